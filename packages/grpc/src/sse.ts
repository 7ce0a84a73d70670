// The events of the endpoint's SSE answer (HTTP+JSON streams: `data: <StreamResponse>` frames,
// one `event: error` frame carrying a `google.rpc.Status` when the stream fails).

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
}

/** The events of an SSE body, in order (comments and empty events skipped). */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replaceAll("\r\n", "\n");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const e = parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (e !== undefined) yield e;
      end = buffer.indexOf("\n\n");
    }
  }
  const last = parse(buffer);
  if (last !== undefined) yield last;
}

function parse(frame: string): SseEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join("\n") };
}
