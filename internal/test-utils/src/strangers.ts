// A stranger at a push agent's door (issue #78): the ways to POST without the platform's bearer, a
// `message/send` POST with any Authorization header (to see who gets in), and a wait for the
// agent's server to answer before its start has finished (the window a stranger tries).
import { randomUUID } from "node:crypto";
import { rpcRequest } from "./rpc.js";
import { waitFor } from "./wait.js";

/** No bearer, another bearer, another scheme. */
export const STRANGERS: readonly (string | undefined)[] = [
  undefined,
  "Bearer not-the-secret",
  "Basic c3RyYW5nZXI6eA==",
];

/**
 * POSTs an A2A `message/send` (JSON-RPC 2.0, v0.3 shape) of `text` to `url`, with `authorization`
 * sent as the header as it is (none when `undefined`); resolves with the raw response.
 */
export function postAs(url: string, text: string, authorization?: string): Promise<Response> {
  const message = { kind: "message", role: "user", messageId: randomUUID() };
  return fetch(
    rpcRequest(
      url,
      "message/send",
      { message: { ...message, parts: [{ kind: "text", text }] } },
      { id: 1, authorization },
    ),
  );
}

/** Resolves once the agent's server at `url` answers (its card), before its start has finished. */
export async function cardServed(url: string): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(`${url}/.well-known/agent-card.json`)).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 20_000 },
  );
}
