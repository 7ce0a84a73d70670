// A workspace's event stream as frames (name and payload), read until an abort and reopened with
// backoff when it fails or passes its bounds (`EventStreamFeed`, the same as the agent's wake-ups):
// what `ApprovalWaiter` waits on for a decision and `Escalations` listens to.
import type * as EventSourceParser from "eventsource-parser";
import type { EventStream } from "../platform/index.js";
import { EventStreamFeed } from "../platform/index.js";
import { backoffDelay, describe, type Logger, sleep } from "../transport/index.js";

/** An SSE frame's event name and payload (`{type, data}` or `{event, payload}`). */
function parseFrame(ev: EventSourceParser.EventSourceMessage): {
  name: string | undefined;
  data: Record<string, unknown>;
} {
  let j: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(ev.data);
    if (v && typeof v === "object") j = v as Record<string, unknown>;
  } catch {
    // not JSON: no payload
  }
  const name =
    ev.event && ev.event !== "message"
      ? ev.event
      : typeof j["type"] === "string"
        ? j["type"]
        : typeof j["event"] === "string"
          ? j["event"]
          : undefined;
  const inner = j["data"] ?? j["payload"];
  return {
    name,
    data: inner && typeof inner === "object" ? (inner as Record<string, unknown>) : {},
  };
}

/**
 * Reads a workspace's event stream until `signal` aborts, calling `onFrame` for each event;
 * reconnects with backoff. Resolves when aborted.
 */
export async function readWorkspaceEvents(
  client: { openEventStream?(options?: { signal?: AbortSignal }): Promise<EventStream> },
  signal: AbortSignal,
  onFrame: (name: string | undefined, data: Record<string, unknown>) => void,
  onOpen?: () => void,
  logger?: Logger,
): Promise<void> {
  if (client.openEventStream === undefined) return;
  let failures = 0;
  /** Whether the last stream was closed at its bound: its reopen keeps backing off. */
  let overflowed = false;
  while (!signal.aborted) {
    try {
      const stream = await client.openEventStream({ signal });
      const close = (): void => stream.close();
      signal.addEventListener("abort", close, { once: true });
      try {
        if (!overflowed) failures = 0;
        overflowed = false;
        onOpen?.();
        // Bounded as the agent's wake-ups read the same stream: a line longer than is kept (an
        // `ACTIVITY_LOGGED` with a large body: never an approval's) is dropped as it comes, and
        // past the read bound the stream is reopened.
        const feed = await EventStreamFeed.open({
          close,
          onEvent: (ev) => {
            const { name, data } = parseFrame(ev);
            onFrame(name, data);
          },
        });
        for await (const chunk of stream.body as AsyncIterable<Uint8Array>) {
          if (signal.aborted) break;
          if (feed.fed(chunk)) {
            overflowed = true;
            throw feed.failure;
          }
        }
      } finally {
        signal.removeEventListener("abort", close);
        close();
      }
    } catch (err) {
      if (signal.aborted) return;
      logger?.debug?.("approval event stream unavailable; polling only", { error: describe(err) });
    }
    if (signal.aborted) return;
    failures++;
    await sleep(backoffDelay(failures, 500, 30_000), signal).catch(() => undefined);
  }
}
