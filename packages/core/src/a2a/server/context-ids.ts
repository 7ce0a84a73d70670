// The conversation ids (`contextId`) the endpoint issues for a message that names none. The push
// path names no caller, so a conversation is reachable only by whoever holds its id: an issued id
// is named after its message (a resend lands in the same conversation) under the endpoint's own
// key, so nobody else can compute it, even from the message's id. A caller's own contextId is the
// caller's name for its conversation (shared by the agents it talks to): kept as sent, never listed
// to anyone, and never enough to reach a task (a continuation needs the task's id, and a contextId
// that is not the task's is refused).
import { hmacSha256Base64url } from "../../runtime/index.js";
import { endpointKey } from "./derived-id.js";

/** The length of an issued id's name part and of its tag (base64url characters; 32 in all). */
const NAME_LENGTH = 22;
const TAG_LENGTH = 10;

/** Issues an endpoint's contextIds, and tells them from any other. */
export class ContextIds {
  readonly #key: string;

  /**
   * @param pathSecret the endpoint's path secret (the key is derived from it, so every instance and
   *   restart of one endpoint names a message's conversation alike); `false`: a random key
   */
  constructor(pathSecret: string | false) {
    this.#key = endpointKey(pathSecret, "context");
  }

  /**
   * The conversation of a message that continues no task: the caller's, else one issued for it,
   * named after `name` (the message's id and content: a resend lands in it, another message
   * reusing the id does not): `ctx-` and 32 base64url characters, a name and its tag.
   */
  of(contextId: string | undefined, name: string): string {
    if (contextId !== undefined) return contextId;
    const id = hmacSha256Base64url(this.#key, `context\0${name}`).slice(0, NAME_LENGTH);
    return `ctx-${id}${this.#tag(id)}`;
  }

  /**
   * Whether this endpoint issued `contextId` (its tag is the endpoint's, 60 bits): nobody without
   * the endpoint's key can make one, only receive one.
   */
  issued(contextId: string): boolean {
    if (contextId.length !== 4 + NAME_LENGTH + TAG_LENGTH || !contextId.startsWith("ctx-"))
      return false;
    const id = contextId.slice(4, 4 + NAME_LENGTH);
    return contextId.slice(4 + NAME_LENGTH) === this.#tag(id);
  }

  #tag(id: string): string {
    return hmacSha256Base64url(this.#key, `issued\0${id}`).slice(0, TAG_LENGTH);
  }
}
