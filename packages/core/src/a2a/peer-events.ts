// The events of one connection of a peer's streamed answer (peer-stream-resume.ts reads each
// connection of a stream so, for platform/peer-tasks.ts and remote/remote-agent.ts): within the
// stream bounds (sse.ts), only the stream's task (the one asked for, else the first an event
// names) and context, nothing after the task's terminal state or once the caller aborted. How the
// errors are worded is the caller's.
import type { HttpResponse } from "../transport/index.js";
import { streamEventOf } from "./from-v1.js";
import type { A2AStreamEvent } from "./from-v1.js";
import { peerResultOf, peerWireError } from "./peer-wire.js";
import type { PeerBinding, PeerWireError } from "./peer-wire.js";
import { sseEvents } from "./sse.js";
import type { PeerStreamLimits } from "./sse.js";

/** What {@link peerEvents} needs besides the answer. */
export interface PeerEventsOptions {
  binding: PeerBinding;
  /** The task the stream follows, when known before its first event. */
  taskId: string | undefined;
  limits: Required<PeerStreamLimits>;
  signal?: AbortSignal | undefined;
  /** The error of an error the stream carries. */
  rpcError: (wire: PeerWireError) => Error;
  /** The error of a stream that is not A2A (`what`: "the stream"). */
  malformed: (what: string) => Error;
  /** The error of an event naming another task or context than the stream's. */
  foreign: (key: "taskId" | "contextId", named: string, ours: string) => Error;
}

/** A buffered body as a stream of one chunk. */
async function* once(text: string): AsyncGenerator<string, void, undefined> {
  yield text;
}

/** Task states after which a task does not change. */
const TERMINAL = new Set(["completed", "canceled", "failed", "rejected"]);

/** Whether nothing of the stream is to be read after `e`: a terminal state or a `final` event. */
export function endsStream(e: A2AStreamEvent): boolean {
  if (e.kind === "task") return TERMINAL.has(e.task.status.state);
  if (e.kind === "status-update") return e.final || TERMINAL.has(e.status.state);
  return false;
}

/** The task and context an event names. */
function idsOf(e: A2AStreamEvent): { taskId?: string | undefined; contextId?: string | undefined } {
  switch (e.kind) {
    case "task":
      return { taskId: e.task.id, contextId: e.task.contextId };
    case "message":
      return { taskId: e.message.taskId, contextId: e.message.contextId };
    default:
      return { taskId: e.taskId, contextId: e.contextId };
  }
}

/**
 * The events of a streamed answer `res` (already checked for an error status): an SSE stream, a
 * body the platform's proxy buffered (read as SSE text), or one JSON result (a peer that answered
 * the stream without SSE).
 */
export async function* peerEvents(
  res: HttpResponse,
  o: PeerEventsOptions,
): AsyncGenerator<A2AStreamEvent, void, undefined> {
  const body = res.body;
  if (res.stream === undefined && typeof body !== "string") {
    const event = streamEventOf(peerResultOf(o.binding, body));
    if (event === undefined) throw o.malformed("the stream");
    yield event;
    return;
  }
  const chunks: AsyncIterable<Uint8Array | string> = res.stream ?? once(body as string);
  const close = (): void => void res.stream?.destroy();
  const signal = o.signal;
  const ours: { taskId: string | undefined; contextId: string | undefined } = {
    taskId: o.taskId,
    contextId: undefined,
  };
  try {
    for await (const e of sseEvents(chunks, close, o.limits)) {
      if (signal?.aborted) break;
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        throw o.malformed("the stream");
      }
      const wire = peerWireError(data);
      if (wire !== undefined || e.event === "error") {
        throw o.rpcError(wire ?? { code: undefined, message: e.data.slice(0, 200) });
      }
      const event = streamEventOf(peerResultOf(o.binding, data));
      if (event === undefined) continue;
      const said = idsOf(event);
      for (const key of ["taskId", "contextId"] as const) {
        const named = said[key];
        if (named === undefined || named === "") continue;
        ours[key] ??= named;
        if (named !== ours[key]) throw o.foreign(key, named, ours[key]);
      }
      yield event;
      if (signal?.aborted) break;
      if (endsStream(event)) return;
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
  if (signal?.aborted) throw signal.reason;
}
