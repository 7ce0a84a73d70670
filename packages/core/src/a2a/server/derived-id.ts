// Ids named after a message: the same message (a resend, a proxy retry, after a restart) gets the
// same id, so it lands in the same conversation and the same task; under the endpoint's own key,
// so nobody else can compute it, even from the message's id and content. And the fingerprint of
// its content, which tells a resend from another message sent under the same id.
import { hmacSha256Base64url, randomBase64url, randomHex, sha256Hex } from "../../runtime/index.js";
import type { A2AMessage } from "../types.js";
import { jsonSha256Base64url } from "./json-digest.js";

/** UUID-shaped (8-4-4-4-12) from the first 32 hex digits of `h`. */
const uuidShaped = (h: string): string =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;

/**
 * The key an endpoint names its `purpose`'s ids with (e.g. `"context"`, `"task"`): derived from its
 * path secret, so every replica and restart of the endpoint computes the same one and nobody
 * without the secret can; `false` (an endpoint without one): a random key, this instance's alone.
 */
export function endpointKey(pathSecret: string | false, purpose: string): string {
  return pathSecret === false
    ? randomBase64url(32)
    : hmacSha256Base64url(pathSecret, `molecule-a2a-${purpose}-key`);
}

/**
 * A UUID-shaped id named after `name` (a message's `pushKey`) under `key` (an {@link endpointKey}):
 * the same for the same name and key, unguessable without the key.
 */
export function keyedId(key: string, name: string): string {
  return uuidShaped(sha256Hex(hmacSha256Base64url(key, `task\0${name}`)));
}

/**
 * A fresh task id: 128 random bits, UUID-shaped (32 hex digits in 8-4-4-4-12 groups). A task id is
 * the capability to its task (the push path names no caller), so it is never counted, chosen by a
 * caller or derived from anything a caller knows (a {@link keyedId} also needs the endpoint's key).
 */
export function newTaskId(): string {
  return uuidShaped(randomHex(16));
}

/**
 * The messages whose contextId the endpoint issued (the sender sent none): their fingerprint is of
 * what the sender sent, so it does not depend on an instance's key (one without a path secret has
 * a random one) and every instance sharing a claims store fingerprints a resend alike.
 */
const issuedContext = new WeakSet<object>();

/** Marks `m`'s contextId as issued by the endpoint, not sent (see {@link contentFingerprint}). */
export function markContextIssued(m: A2AMessage): void {
  issuedContext.add(m);
}

/**
 * What a resend of `m` repeats: its contextId as sent (none when the endpoint issued it), taskId
 * and parts (not its metadata, where a resend may carry new trace context), as the base64url
 * SHA-256 of their JSON (43 characters). A pushed message's sender is not authenticated: this
 * tells a resend from another message under its id.
 */
export function contentFingerprint(m: Pick<A2AMessage, "contextId" | "taskId" | "parts">): string {
  const sentContext = issuedContext.has(m) ? undefined : m.contextId;
  const known = fingerprints.get(m);
  const same =
    known !== undefined &&
    known.context === sentContext &&
    known.taskId === m.taskId &&
    known.parts === m.parts;
  if (same) return known.digest;
  const digest = jsonSha256Base64url([sentContext ?? null, m.taskId ?? null, m.parts]);
  fingerprints.set(m, { context: sentContext, taskId: m.taskId, parts: m.parts, digest });
  return digest;
}

/**
 * The fingerprint last computed for a message, with what it was computed from: the endpoint and
 * the agent's push path both ask for it, and a large message is not hashed twice.
 */
const fingerprints = new WeakMap<
  object,
  { context: string | undefined; taskId: string | undefined; parts: unknown; digest: string }
>();

/**
 * The messages in a conversation only this endpoint could have put them in: a contextId it issued
 * for the message (the sender sent none), or the issued contextId of a task the message continues
 * (reached by the task's id, a capability). Never a contextId a message carries by itself: that is
 * a name every agent that learned it may send (agents pass a conversation's id on to their peers).
 */
const ownContext = new WeakSet<object>();

/** Marks `m` as in a conversation of the endpoint's own (see {@link isOwnContext}). */
export function markOwnContext(m: A2AMessage): void {
  ownContext.add(m);
}

/**
 * Whether the pushed A2A message `m` (an `InboundMessage`'s `raw`) is in a conversation only the
 * endpoint could have put it in: what a push conversation's history may be kept under, since the
 * platform names no caller of a push.
 */
export function isOwnContext(m: unknown): boolean {
  return typeof m === "object" && m !== null && ownContext.has(m);
}
