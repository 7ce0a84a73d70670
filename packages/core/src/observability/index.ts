// Observability plumbing shared by every layer: optional OpenTelemetry spans and W3C trace context.
export { traceMetadata, writeTraceContext } from "./trace-metadata.js";
export { withHeaderTrace } from "./trace-context.js";
export { tracePeerSend } from "./peer-spans.js";
export { tracePlatformRequest } from "./platform-spans.js";
export { traceInbound, traceInboundAnswer } from "./inbound-spans.js";
export { traceTool } from "./tool-spans.js";
export {
  ATTR,
  activeContext,
  detached,
  exceptionAttributes,
  failSpan,
  MAX_SPAN_ATTRIBUTE_LENGTH,
  MAX_SPAN_MESSAGE_LENGTH,
  withContext,
} from "./spans.js";
export type { TraceContext } from "./spans.js";
