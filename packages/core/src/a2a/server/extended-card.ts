// The authenticated extended agent card (A2A v1.0 §3.1.11, §13.3): v0.3
// `agent/getAuthenticatedExtendedCard`, v1.0 `GetExtendedAgentCard` and `GET /extendedAgentCard`.
// Served only to a caller the agent's `authorize` accepts from the request's headers (e.g. a
// bearer token it checks); any other caller gets HTTP 401 and learns nothing of the card.
import type { AgentCard } from "../types.js";
import { A2AErrorCode } from "./errors.js";
import type { ExtendedAgentCardOptions } from "./handler-types.js";
import { HTTP_JSON, rpcResult, type CallId, type Outcome } from "./outcome.js";
import type { RequestMeta } from "./request-meta.js";

/**
 * What serving the extended card needs from the endpoint: the public card's builder (the pure v1.0
 * card for v1.0's method, the hybrid for v0.3's).
 */
export type CardBuilder = (
  card: AgentCard,
  headers: Headers,
  version: "0.3" | "1.0",
) => Promise<string> | string;

/** The extended card method. */
export class ExtendedCardMethod {
  readonly #o: ExtendedAgentCardOptions;
  readonly #build: CardBuilder;
  readonly #report: (err: unknown, method: string, requestId: CallId) => void;

  constructor(
    options: ExtendedAgentCardOptions,
    build: CardBuilder,
    report: (err: unknown, method: string, requestId: CallId) => void,
  ) {
    this.#o = options;
    this.#build = build;
    this.#report = report;
  }

  async get(id: CallId, version: "0.3" | "1.0", meta: RequestMeta): Promise<Outcome> {
    const headers = meta.headers();
    let body: string;
    try {
      if ((await this.#o.authorize(headers)) !== true) return unauthorized(id);
      const card = typeof this.#o.card === "function" ? await this.#o.card(headers) : this.#o.card;
      body = await this.#build(card, headers, version);
    } catch (err) {
      this.#report(err, "GetExtendedAgentCard", id);
      const message = "Internal error: the extended agent card could not be built";
      return unauthorizedOr(id, 500, A2AErrorCode.InternalError, message);
    }
    // The card is already JSON: spliced in, not parsed and written again.
    const result = rpcResult(id, 0);
    return {
      status: 200,
      body: id === HTTP_JSON ? body : `${result.slice(0, -2)}${body}}`,
      headers: { "cache-control": "private, no-store" },
    };
  }
}

function unauthorized(id: CallId): Outcome {
  return unauthorizedOr(
    id,
    401,
    A2AErrorCode.InvalidRequest,
    "Authentication required: the extended agent card is served only to a caller with valid credentials (see the card's securitySchemes)",
  );
}

/** An error with an HTTP status of its own, in the binding of the call. */
function unauthorizedOr(id: CallId, status: number, code: number, message: string): Outcome {
  const headers: Record<string, string> = status === 401 ? { "www-authenticate": "Bearer" } : {};
  const body =
    id === HTTP_JSON
      ? JSON.stringify({
          error: {
            code: status,
            status: status === 401 ? "UNAUTHENTICATED" : "INTERNAL",
            message,
            details: [],
          },
        })
      : JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } });
  return { status, body, headers };
}
