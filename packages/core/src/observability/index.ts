// Observability plumbing shared by every layer: optional OpenTelemetry spans and W3C trace context.
export { traceMetadata, contextFromMetadata, TRACEPARENT, TRACESTATE } from "./trace-context.js";
export { tracePeerSend } from "./peer-spans.js";
export type { PeerSend } from "./peer-spans.js";
export { tracePlatformRequest, routeOf } from "./platform-spans.js";
export { traceInbound, metadataOf } from "./inbound-spans.js";
export type { TracedMessage } from "./inbound-spans.js";
export { ATTR, SPAN, activeContext, detached, failSpan, inSpan, withContext } from "./spans.js";
export type { TraceContext } from "./spans.js";
