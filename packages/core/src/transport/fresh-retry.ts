// A request that timed out is sent again at once on a new connection. A NAT gateway, firewall or
// load balancer that forgets a flow (idle too long, restarted, failed over) sends no FIN or RST:
// a request written into a pooled connection it forgot gets no answer and waits out its whole
// timeout, and so would its retry on another pooled connection of the same age. So the retry goes
// out on a pool of its own (dispatchers.ts `freshPool`); the connection that timed out is
// destroyed by undici when the request is aborted. Used where the agent's liveness and delivery
// depend on a request: heartbeats and state checks, polls, answers.
import { MoleculeTimeoutError } from "./errors.js";
import type { HttpResponse, RequestSpec } from "./http.js";
import type { Logger } from "./logger.js";

/** What sends a request (an `HttpTransport`, or a platform session in front of one). */
export interface RequestSender {
  send(spec: RequestSpec): Promise<HttpResponse>;
  readonly logger?: Logger | undefined;
}

/**
 * Sends `spec` through `sender`; when the attempt times out (and the caller did not abort), sends
 * it once more at once on a new connection. The request must be safe to send twice: idempotent,
 * or de-duplicated by the receiver (an answer's A2A `messageId`).
 */
export async function sendRetryingFresh(
  sender: RequestSender,
  spec: RequestSpec,
): Promise<HttpResponse> {
  try {
    return await sender.send(spec);
  } catch (err) {
    if (!(err instanceof MoleculeTimeoutError) || spec.signal?.aborted) throw err;
    sender.logger?.debug?.(
      `${spec.method} ${spec.path} timed out; sent again on a new connection (the pooled one may have been dropped by a NAT or proxy)`,
    );
    return await sender.send({ ...spec, fresh: true });
  }
}
