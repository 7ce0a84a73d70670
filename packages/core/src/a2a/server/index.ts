export { createA2AHandler } from "./handler.js";
export { requestOnConnection } from "./body-budget.js";
export { inputRequired } from "./input-required.js";
export type {
  A2AHandler,
  A2AHandlerContext,
  A2AHandlerOptions,
  A2AHandlerResult,
  ExtendedAgentCardOptions,
  PushNotificationOptions,
} from "./handler-types.js";
export type { TaskPushConfig } from "./push-config.js";
export type { WebhookAddressKind, WebhookAddressPolicy } from "./webhook-address.js";
// Internal: the platform-bearer check classifies its registered URL's host (agent/source).
export { classifyAddress, isIpLiteral } from "./webhook-address.js";
export {
  raiseKeepAliveTimeout,
  startA2AServer,
  type A2AServer,
  type StartA2AServerOptions,
} from "./node-server.js";
// Internal: a node:http refusal closes its connection instead of draining the body (org/transcript).
export { closeUnread, lingerUnread } from "./http-checks.js";
export { ConnectionLimit } from "./connection-limit.js";
export {
  bearerDigest,
  derivePathSecret,
  generatePathSecret,
  verifyBearer,
  verifyBearerDigest,
} from "./secret.js";
// Internal: the answers of a push endpoint to a POST without the platform's bearer.
export {
  refusePlatformFetch,
  refusePlatformNode,
  type PlatformAuthVerdict,
} from "./platform-auth.js";
export type { PlatformSecretSource } from "./handler-types.js";
// Internal: a push agent's framework handler answers its path before the server loads.
export { endpointPathOf } from "./endpoint-path.js";
export {
  A2AErrorCode,
  A2ARpcError,
  deadLetteredRpcError,
  handlerFailedRpcError,
  messageBusyRpcError,
  type A2AErrorCodeValue,
} from "./errors.js";
export type {
  PushClaim,
  PushClaimOptions,
  PushClaimResult,
  PushClaimStore,
} from "./claim-store.js";
// Internal: ids derived from a message's id (the push source's question tasks) and the fingerprint
// of its content (push de-duplication).
export { contentFingerprint, endpointKey, isOwnContext, keyedId } from "./derived-id.js";
export { isTaskState } from "./normalize.js";
// Internal: the default task store, also a poll agent's (not public API).
export { MemoryTaskStore } from "./store.js";
export type {
  A2ATaskStore,
  TaskCancelResult,
  TaskListPage,
  TaskListQuery,
  TaskWatch,
} from "./store.js";
