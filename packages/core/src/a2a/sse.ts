// Server-sent events as A2A streams send them (`data: <json>` frames, an error as `event: error`),
// read from a peer's answer chunk by chunk, with a bound on one event's size.
import { MoleculeError } from "../transport/index.js";

/** One event: its name (`"message"` unless set) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * The events of a stream of text or byte chunks. An event larger than `maxEventBytes` (counted in
 * characters) is an error (`sse_event_too_large`): a peer cannot fill this process's memory.
 */
export async function* sseEvents(
  chunks: AsyncIterable<Uint8Array | string>,
  maxEventBytes: number,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  let size = 0;
  const line = (l: string): SseEvent | undefined => {
    if (l === "") {
      const out = data.length > 0 ? { event, data: data.join("\n") } : undefined;
      [event, data, size] = ["message", [], 0];
      return out;
    }
    if (l.startsWith(":")) return undefined;
    const colon = l.indexOf(":");
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      size += value.length;
      if (size > maxEventBytes) {
        throw new MoleculeError(
          `a stream event is larger than ${maxEventBytes} bytes; the stream was dropped`,
          { code: "sse_event_too_large", retryable: false },
        );
      }
      data.push(value);
    } else if (field === "event") event = value;
    return undefined;
  };
  for await (const chunk of chunks) {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    if (buffer.length > maxEventBytes * 2 && !buffer.includes("\n")) {
      throw new MoleculeError(`a stream line is longer than ${maxEventBytes} bytes`, {
        code: "sse_event_too_large",
        retryable: false,
      });
    }
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const l = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === "\r" && buffer[nl + 1] === "\n" ? 2 : 1));
      const out = line(l);
      if (out !== undefined) yield out;
    }
  }
  const last = line(buffer);
  if (last !== undefined) yield last;
  const rest = line("");
  if (rest !== undefined) yield rest;
}
