// Public API of transport/ (see shared/DESIGN.md section 3).
export {
  isMoleculeError,
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  UnexpectedResponseError,
} from "./errors.js";
export type { MoleculeErrorOptions } from "./errors.js";
export { MoleculeOptionError } from "./option-error.js";
export type { Logger } from "./logger.js";
export type { ProxyInfo, ProxyOption } from "./proxy.js";
export { proxyFor } from "./proxy.js";
export type { TlsErrorCode, TlsProblem } from "./tls-errors.js";
export { tlsProblemOf } from "./tls-errors.js";
export { backoffDelay } from "./backoff.js";
export { parseRetryAfter } from "./retry.js";
export { askedWaitMs, platformSecond, rateLimitWaitMs } from "./rate-answers.js";
export { forgetRateBuckets, promoteNow } from "./rate-budget.js";
export { callSettled } from "./rate-replies.js";
export type { RatePriority } from "./rate-priority.js";
export {
  heartbeatIntervalOf,
  heartbeatsEvery,
  inRateClass,
  sentBy,
  whenRateWaits,
} from "./rate-class.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export { requireFileSystem } from "./errors.js";
export { describe } from "./logger.js";
export { sleep } from "./backoff.js";
export {
  REDACTED,
  hideInInspect,
  hideUrlSecret,
  inspectCustom,
  redactDeep,
  redactText,
} from "./redact.js";
export { DEFAULT_USER_AGENT, HttpTransport, retriedByCaller } from "./http.js";
export type { HttpResponse, RequestSpec } from "./http.js";
export { BodyTooLargeError, readBodyText } from "./body.js";
export { JsonItems, type PlaceOnly } from "./json-items.js";
export { placeholderTag } from "./json-bytes.js";
export { frontEvidence, oneLine, quoteBody } from "./body-text.js";
export { chunksOf, readableOf } from "./chunked.js";
export { SseBounds } from "./sse-bounds.js";
export type { ChunkedBody } from "./chunked.js";
export { ranLate, ScheduledTask, scheduledTasks } from "./scheduler.js";
export { ProxyRouter, proxyOfError, proxySettings } from "./proxy.js";
export { isTlsErrorCode, peerTlsFailure, type TlsParty } from "./tls-errors.js";
export { isPlatformAnswer, pathFailureOf, platformRefused } from "./path-failure.js";
export { judgePeerAnswer, peerProxyError } from "./path-answer.js";
export type { PathCause, PathFailure, PeerShape } from "./path-failure.js";
export { proxyAuthFix } from "./proxy-schemes.js";
export { requestPlatformUrl } from "./dispatchers.js";
export type { PlatformUrlRequest } from "./dispatchers.js";
export { IdleWaiters } from "./idle-waiters.js";
export { sendRetryingFresh } from "./fresh-retry.js";
export { servingTraceHeaders, withTraceHeaders } from "./trace-headers.js";
