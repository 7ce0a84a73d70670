// The conversation ids (`contextId`) the endpoint issues for a message that names none. The push
// path names no caller, so a conversation is reachable only by whoever holds its id: an issued id
// is named after its message (a resend lands in the same conversation) under the endpoint's own
// key, so nobody else can compute it, even from the message's id. A caller's own contextId is the
// caller's name for its conversation (shared by the agents it talks to): kept as sent, never listed
// to anyone, and never enough to reach a task (a continuation needs the task's id, and a contextId
// that is not the task's is refused).
import { hmacSha256Base64url } from "../../runtime/index.js";
import { endpointKey } from "./derived-id.js";

/** Issues an endpoint's contextIds. */
export class ContextIds {
  readonly #key: string;

  /**
   * @param pathSecret the endpoint's path secret (the key is derived from it, so every instance and
   *   restart of one endpoint names a message's conversation alike); `false`: a random key
   */
  constructor(pathSecret: string | false) {
    this.#key = endpointKey(pathSecret, "context");
  }

  /** The conversation of a message that continues no task: the caller's, else one issued for it. */
  of(contextId: string | undefined, messageId: string): string {
    if (contextId !== undefined) return contextId;
    const h = hmacSha256Base64url(this.#key, `context\0${messageId}`);
    return `ctx-${h.slice(0, 32)}`;
  }
}
