// What the platform supports (probed once per client) and this workspace's SSE event stream.
import { readableOf } from "../transport/index.js";
import { dropSpare, eventsRequest, keepSpare, openEventChunks } from "./event-connection.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";
import type { EventStream, PlatformCapabilities } from "./types.js";

const ZERO_CURSOR = "00000000-0000-0000-0000-000000000000";

/** The cached capability probe; a failed probe is not cached. */
export function capabilities(
  s: PlatformSession,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<PlatformCapabilities> {
  if (!s.caps) {
    const p = probe(s, options.signal);
    s.caps = p;
    p.catch(() => {
      if (s.caps === p) s.caps = undefined;
    });
  }
  return s.caps;
}

async function probe(s: PlatformSession, signal?: AbortSignal): Promise<PlatformCapabilities> {
  const [cursor, probed] = await Promise.allSettled([
    s.send({
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/activity`,
      query: { since_id: ZERO_CURSOR, limit: 1 },
      signal,
    }),
    probeEvents(s, signal),
  ]);
  if (cursor.status === "rejected" || probed.status === "rejected") {
    dropSpare(s); // a failed (or cancelled) probe leaves no stream open
    throw cursor.status === "rejected" ? cursor.reason : (probed as PromiseRejectedResult).reason;
  }
  const [cursorRes, events] = [cursor.value, probed.value];
  let cursors: boolean;
  if (cursorRes.status === 410) cursors = true;
  else if (ok(cursorRes.status)) cursors = false;
  else {
    dropSpare(s);
    throw await s.selfFail(cursorRes, "capabilities", signal);
  }
  return {
    cursors,
    pollDelivery: cursors,
    eventStream: events === true,
    ...(typeof events === "string" ? { eventStreamError: events } : {}),
    compat: cursors ? "latest" : "2026-04",
  };
}

/**
 * Whether the SSE stream answers, or why the probe failed (a string). A stream that answers is
 * kept open for the agent's wake-ups (see event-connection.ts) rather than closed.
 */
async function probeEvents(s: PlatformSession, signal?: AbortSignal): Promise<boolean | string> {
  try {
    const res = await s.send({ ...eventsRequest(s, signal), timeoutMs: 5_000 });
    const type = String(res.headers["content-type"] ?? "");
    const answers = ok(res.status) && type.includes("text/event-stream");
    if (answers) keepSpare(s, res.chunks!);
    else res.chunks?.close();
    return answers;
  } catch (err) {
    if (signal?.aborted) throw err;
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Opens the SSE event stream with the platform credentials (or takes the capability probe's, still
 * open); error statuses raise typed errors. The signal and `close()` both close it.
 */
export async function openEventStream(
  s: PlatformSession,
  options: { signal?: AbortSignal } = {},
): Promise<EventStream> {
  const { signal } = options;
  const stream = readableOf(await openEventChunks(s, signal));
  stream.on("error", () => undefined);
  if (signal) {
    const onAbort = (): void => void stream.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) stream.destroy();
  }
  return { body: stream, close: () => stream.destroy() };
}
