// Sends one A2A `message/send` (JSON-RPC 2.0, v0.3 shape) over real HTTP and returns the parsed body.

/** A JSON-RPC answer to `message/send`: a result or an error (with the server's `data`). */
export interface A2ASendAnswer {
  result?: unknown;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** POSTs a user message with one text part under `messageId` to `url`. */
export async function sendA2AMessage(
  url: string,
  messageId: string,
  text: string,
  bearer?: string,
): Promise<A2ASendAnswer> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: messageId,
      method: "message/send",
      params: {
        message: { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] },
      },
    }),
  });
  return (await res.json()) as A2ASendAnswer;
}
