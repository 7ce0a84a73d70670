// The delivery limit every store applies: its option check, its typed error, and the JSON-RPC error
// a push sender gets for a dead-lettered message.
import { A2AErrorCode, A2ARpcError, deadLetteredRpcError } from "../a2a/index.js";
import { MoleculeError, MoleculeOptionError } from "../transport/index.js";
import type { MoleculeStoreError } from "./cursor-store.js";

/** Default `maxDeliveries` of every store (memory, file, PostgreSQL). */
const DEFAULT_MAX_DELIVERIES = 5;

/** `maxDeliveries` checked (a positive integer), or the default. */
export function checkMaxDeliveries(value: number | undefined, where: string): number {
  if (value === undefined) return DEFAULT_MAX_DELIVERIES;
  if (!Number.isInteger(value) || value < 1) {
    throw new MoleculeOptionError(
      "maxDeliveries",
      `${where}: maxDeliveries must be a positive integer (got ${value}).`,
    );
  }
  return value;
}

/** What {@link MoleculeDeliveryLimitError} says about the message. */
export interface DeliveryLimitInfo {
  /** How the message came: a poll row or a push request. */
  delivery: "poll" | "push";
  /** Its activity row id (poll). */
  activityId?: string | undefined;
  /** Its A2A messageId. */
  messageId?: string | undefined;
  /** How many times it was handed to a handler without settling. */
  deliveries: number;
  /** Where the dead letter can be inspected, as a sentence part (e.g. "its row stays in ..."). */
  kept?: string | undefined;
}

/**
 * A message was dead-lettered by the store (`code: "delivery_limit"`, not retryable): it was handed
 * to a handler `maxDeliveries` times and never settled, because the process running it crashed
 * (kill -9, OOM), hung past the visibility timeout or was stopped each time. It is never run
 * again; a push sender gets a JSON-RPC error `-32603` with `data.code: "delivery_limit"` for it.
 */
export class MoleculeDeliveryLimitError extends MoleculeError {
  /** How the message came. */
  readonly delivery: "poll" | "push";
  /** Its activity row id (poll). */
  readonly activityId: string | undefined;
  /** Its A2A messageId, when it has one. */
  readonly messageId: string | undefined;
  /** How many times it was handed to a handler. */
  readonly deliveries: number;

  constructor(o: DeliveryLimitInfo) {
    super(
      `inbound message ${o.messageId ?? o.activityId ?? "?"} (${o.delivery}) was delivered ${o.deliveries} times and never settled: the process handling it crashed, hung or was stopped each time. It is dead-lettered and will not run again${o.kept ? `; ${o.kept}` : ""}. Find what crashes or blocks the handler on it (raise the store's maxDeliveries if the processes died for other reasons).`,
      { code: "delivery_limit", retryable: false },
    );
    this.delivery = o.delivery;
    this.activityId = o.activityId;
    this.messageId = o.messageId;
    this.deliveries = o.deliveries;
  }
}

/**
 * The answer a push sender gets for a dead-lettered message: JSON-RPC `-32603` (the agent failed
 * on it) with `data: { code: "delivery_limit", retryable: false, deliveries }`, so the platform
 * and the caller stop re-sending it instead of waiting on a run that never ends.
 */
export function deliveryLimitRpcError(error: MoleculeDeliveryLimitError): A2ARpcError {
  return deadLetteredRpcError(error.messageId, error.deliveries);
}

/**
 * The answer a push sender gets while the agent's store cannot save (`store_unwritable`): JSON-RPC
 * `-32603` with `data: { code: "store_unwritable", retryable: true }`; the message was not run.
 */
export function storeRpcError(error: MoleculeStoreError): A2ARpcError {
  return new A2ARpcError(
    A2AErrorCode.InternalError,
    "the agent cannot save its state right now, so it takes no new message: it was not run; retry later under the same messageId",
    { code: error.code, retryable: error.retryable },
  );
}
