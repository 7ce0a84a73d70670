// This workspace's SSE event stream as a chunked body, and the spare the capability probe leaves
// when an agent with wake-ups asked for it: the probe's open stream is kept for a few seconds and
// taken by the next open, so an agent's start opens one events/stream connection, not two. Events
// logged in between wait in the body.
import type { ChunkedBody, RequestSpec } from "../transport/index.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";

/** How long the probe's stream waits for the next open before it is closed. */
export const SPARE_TTL_MS = 5_000;

/** `GET /workspaces/:id/events/stream`, its body read as chunks, not retried. */
export function eventsRequest(s: PlatformSession, signal: AbortSignal | undefined): RequestSpec {
  return {
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/events/stream`,
    headers: { accept: "text/event-stream" },
    stream: "chunks",
    retry: false,
    signal,
    // Before answers and new calls under a spent rate budget (while it is up, the agent's
    // heartbeats need no state check and its safety-net read is rare), after state checks, and
    // leaving the room kept for the heartbeats expected later in the window.
    priority: "stream",
  };
}

/** Keeps `body` (an open event stream) for the next open, closing any previous spare. */
export function keepSpare(s: PlatformSession, body: ChunkedBody): void {
  dropSpare(s);
  const timer = setTimeout(() => {
    if (s.spare?.body === body) dropSpare(s);
  }, SPARE_TTL_MS);
  timer.unref();
  s.spare = { body, timer };
}

/** Takes the spare stream if one is still open. */
function takeSpare(s: PlatformSession): ChunkedBody | undefined {
  const spare = s.spare;
  if (!spare) return undefined;
  s.spare = undefined;
  clearTimeout(spare.timer);
  if (!spare.body.done) return spare.body;
  spare.body.close();
  return undefined;
}

/** Closes the spare stream, if any (client closed, or nobody took it in time). */
export function dropSpare(s: PlatformSession): void {
  takeSpare(s)?.close();
}

/**
 * Opens `GET /workspaces/:id/events/stream` (or takes the probe's spare); error statuses raise
 * the typed error. `signal` covers the open only: close the body to end the stream.
 */
export async function openEventChunks(
  s: PlatformSession,
  signal?: AbortSignal,
): Promise<ChunkedBody> {
  if (signal?.aborted) throw signal.reason;
  const spare = takeSpare(s);
  if (spare) return spare;
  const res = await s.send(eventsRequest(s, signal));
  const body = res.chunks as ChunkedBody;
  if (ok(res.status)) return body;
  throw await s.streamFail(res, body, "openEventStream", signal);
}
