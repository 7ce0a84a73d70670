/**
 * Bounds on identifiers a sender chooses (docs/security.md, "Bounds"). `messageId`, `contextId`,
 * `taskId` and reply references (`inReplyTo`, `referenceTaskIds`) are claims of the sender and
 * sized by it: each is checked against {@link MAX_ID_LENGTH} where a message enters. A pushed
 * request over the bound is refused with JSON-RPC `-32602` naming the field; a polled row over it
 * is settled as rejected with a warning. Nothing over the bound is kept, stored or traced whole.
 */
export const MAX_ID_LENGTH = 256;

/** Whether `value` is absent or a string within {@link MAX_ID_LENGTH} characters. */
export function isBoundedId(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === "string" && value.length <= MAX_ID_LENGTH)
  );
}

/** Most `referenceTaskIds` one message may carry (each within {@link MAX_ID_LENGTH}). */
export const MAX_REFERENCE_IDS = 64;

/**
 * Most history messages one answer holds (`tasks/get`, `ListTasks`, a send's `configuration`): a
 * larger `historyLength` is clamped to it (a negative or non-integer one is JSON-RPC `-32602`).
 */
export const MAX_HISTORY_LENGTH = 1000;
