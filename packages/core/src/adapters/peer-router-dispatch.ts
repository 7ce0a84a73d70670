// Answers one inbound message through a PeerRouter: the matching handler's return value becomes the
// reply text; no match (or an id/name ambiguity) is a NoPeerHandlerError, so the message is
// dead-lettered.
import type { InboundMessage } from "../inbound/index.js";
import { NoPeerHandlerError, PeerReplyTypeError } from "./peer-router-errors.js";
import type { PeerRouter } from "./peer-router.js";

function describeMessage(msg: InboundMessage): string {
  const from = msg.sourceId
    ? `peer ${msg.sourceId}${msg.peerName ? ` (${msg.peerName})` : ""}`
    : msg.source;
  const id = msg.messageId ?? msg.activityId ?? "(no id)";
  return `message ${id} from ${from}`;
}

/**
 * Runs the handler `msg` routes to (`run` calls it) and returns its reply text. Throws a
 * {@link NoPeerHandlerError} when no handler, or two at the same rank, match; a
 * {@link PeerReplyTypeError} when the handler returns something that is not text.
 */
export async function dispatchRouted<H>(
  router: PeerRouter<H>,
  msg: InboundMessage,
  run: (handler: H) => unknown,
): Promise<string | void> {
  const match = router.match(msg);
  if (match.kind === "none") {
    throw new NoPeerHandlerError(
      `No ${router.label} handler matches ${describeMessage(msg)} (source "${msg.source}"). ` +
        "Add a handler without a filter (or one whose filter matches) to answer it; the message is dead-lettered.",
    );
  }
  if (match.kind === "ambiguous") {
    const names = match.routes.map((r) => r.name).join(" and ");
    throw new NoPeerHandlerError(
      `Both ${names} match ${describeMessage(msg)} (one lists the peer by id, the other by name). ` +
        "List each peer in one handler only; the message is dead-lettered.",
    );
  }
  return toReply(await run(match.route.handler), match.route.name, router.label);
}

/** Turns a handler's return value into reply text: strings as-is, numbers and booleans as text. */
function toReply(result: unknown, handlerName: string, label: string): string | void {
  if (result === undefined || result === null) return undefined;
  if (typeof result === "string") return result;
  if (typeof result === "number" || typeof result === "boolean" || typeof result === "bigint")
    return String(result);
  throw new PeerReplyTypeError(
    `${handlerName} returned ${Object.prototype.toString.call(result)}; ${label} handlers must return the reply text (a string) or nothing. Use JSON.stringify(...) to reply with data.`,
  );
}
