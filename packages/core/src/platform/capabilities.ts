// What the platform supports (probed once per client) and this workspace's SSE event stream.
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
  const [cursorRes, events] = await Promise.all([
    s.send({
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/activity`,
      query: { since_id: ZERO_CURSOR, limit: 1 },
      signal,
    }),
    probeEvents(s, signal),
  ]);
  let cursors: boolean;
  if (cursorRes.status === 410) cursors = true;
  else if (ok(cursorRes.status)) cursors = false;
  else throw await s.selfFail(cursorRes, "capabilities", signal);
  return {
    cursors,
    pollDelivery: cursors,
    eventStream: events === true,
    ...(typeof events === "string" ? { eventStreamError: events } : {}),
    compat: cursors ? "latest" : "2026-04",
  };
}

/** Whether the SSE stream answers, or why the probe failed (a string). */
async function probeEvents(s: PlatformSession, signal?: AbortSignal): Promise<boolean | string> {
  try {
    const res = await s.send({
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/events/stream`,
      headers: { accept: "text/event-stream" },
      stream: true,
      retry: false,
      timeoutMs: 5_000,
      signal,
    });
    res.stream?.on("error", () => undefined);
    res.stream?.destroy();
    const type = String(res.headers["content-type"] ?? "");
    return ok(res.status) && type.includes("text/event-stream");
  } catch (err) {
    if (signal?.aborted) throw err;
    return err instanceof Error ? err.message : String(err);
  }
}

/** Opens the SSE event stream with the platform credentials; error statuses raise typed errors. */
export async function openEventStream(
  s: PlatformSession,
  options: { signal?: AbortSignal } = {},
): Promise<EventStream> {
  const { stream } = await s.openStream(
    {
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/events/stream`,
      headers: { accept: "text/event-stream" },
      stream: true,
      retry: false,
      signal: options.signal,
    },
    "openEventStream",
  );
  stream.on("error", () => undefined);
  return { body: stream, close: () => stream.destroy() };
}
