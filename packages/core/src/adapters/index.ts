// @molecule-ai/agent-core/adapters: framework-neutral building blocks of the inbound side of the
// framework adapters (and of your own): an A2A endpoint for a message handler (also as one web
// request handler), per-conversation ordering, conversation history and a handler that keeps it,
// routing messages to handlers by sender, the pieces of an agent hosted in a web framework, the
// one line a command prints when its agent could not start, and a clean stop on SIGINT/SIGTERM.
export { createMessageEndpoint } from "./message-endpoint.js";
export { addStartCheck, askForInput } from "../agent/index.js";
export { SIGNAL_STOP_MS, stopOnSignals } from "./stop-on-signals.js";
export type { StopOnSignalsOptions } from "./stop-on-signals.js";
export type {
  MessageEndpointAnswer,
  MessageEndpointContext,
  MessageEndpointHandler,
  MessageEndpointOptions,
} from "./message-endpoint.js";
export { KeyedQueue } from "./keyed-queue.js";
export { MemoryConversationStore } from "./conversation-store.js";
export type { ConversationStore, MemoryConversationStoreOptions } from "./conversation-store.js";
export {
  createConversationHandler,
  defaultConversationKey,
  trimHistory,
} from "./conversation-handler.js";
export type {
  ConversationAnswer,
  ConversationContext,
  ConversationHandler,
  ConversationHandlerOptions,
  ConversationHistoryOptions,
  ConversationRun,
  ConversationTurn,
} from "./conversation-handler.js";
export { createPeerRequestHandler } from "./peer-request-handler.js";
export { platformSecretOf } from "./platform-secret.js";
export type { PlatformSecretClient } from "./platform-secret.js";
export type { PlatformSecretSource } from "../a2a/index.js";
export type {
  PeerRequestClient,
  PeerRequestContext,
  PeerRequestHandler,
  PeerRequestHandlerOptions,
  PeerRequestMessageHandler,
} from "./peer-request-handler.js";
export { conversationKey } from "./conversation-key.js";
export type { ConversationKeyStrategy } from "./conversation-key.js";
export { threadIdFor } from "./conversation-thread.js";
export type { PeerMessageHandler } from "./peer-message-handler.js";
export { createTurnHandler } from "./turn-handler.js";
export type { Turn, TurnContext, TurnHandler } from "./turn-handler.js";
export { PeerRouter } from "./peer-router.js";
export type {
  PeerMessageFilter,
  PeerMessageSource,
  PeerRoute,
  PeerRouteMatch,
  PeerRouterOptions,
} from "./peer-router.js";
export { dispatchRouted } from "./peer-router-dispatch.js";
export {
  NoPeerHandlerError,
  PeerHandlerConfigError,
  PeerReplyTypeError,
} from "./peer-router-errors.js";
export { resolveHostedAgentOptions } from "./hosted-agent-options.js";
export type {
  HostedAgentConfig,
  HostedAgentOptions,
  HostedDelivery,
  HostedOptionsCheck,
  HostedPollDelivery,
  HostedPushDelivery,
  ResolvedHostedDelivery,
} from "./hosted-agent-options.js";
export { hostedAgentOptions, hostedClientOptions, hostedPushSecret } from "./hosted-agent-setup.js";
export type { HostedAgentParts } from "./hosted-agent-setup.js";
export { checkAgentHealth, checkAgentReadiness } from "./agent-health.js";
export type { AgentHealth, AgentHealthInput, AgentLifecycleState } from "./agent-health.js";
export { AgentRun } from "./agent-run.js";
export type { AgentRunHooks } from "./agent-run.js";
export { lineLogger } from "./line-logger.js";
export type { LineSink } from "./line-logger.js";
export { HeartbeatClockClient } from "./heartbeat-clock.js";
// A message's files as a model gets them (LangChain content blocks, AI SDK file parts, MCP content).
export { base64Of, isTextMediaType, readModelFiles } from "./model-files.js";
export type { ModelFile, ModelFiles } from "./model-files.js";
// The one line a command prints when an agent could not start (the examples and the CLI).
// A node:http server's cheap refusals and connection bound (the push server's; the MCP server's too).
export { closeUnread, ConnectionLimit, lingerUnread } from "../a2a/index.js";
// The bearer check of an operator route (a cron route; the MCP HTTP server's token).
export { verifyBearer } from "../a2a/index.js";
export { describeStartError } from "../platform/index.js";
// The proxy a platform URL is reached through, and one request on the agent's own path (the
// CLI's `doctor`: every check goes where the agent goes).
export { proxyFor, requestPlatformUrl } from "../transport/index.js";
export type { PlatformUrlRequest, ProxyInfo, ProxyOption } from "../transport/index.js";
// A TLS failure's class, cause and fix: the same words in the agent's errors and `doctor`.
export { tlsProblemOf } from "../transport/index.js";
// Who answered a platform request (a front, a proxy, the platform), and a proxy's 407's fix.
export { pathFailureOf, proxyAuthFix } from "../transport/index.js";
export type { PathCause, PathFailure } from "../transport/index.js";
export type { TlsErrorCode, TlsProblem } from "../transport/index.js";
export type { DescribeStartErrorOptions } from "../platform/index.js";
// The cap on per-message log lines (the agent's own; the NestJS module's and the CLI's too).
export { LINES_PER_SECOND, LineBudget } from "../events/index.js";
// Trace context across a framework's door (the MCP server's): a received request's span, a child
// of the caller's `traceparent`, and the active span's trace context for what is sent on.
// Files whose declarations name no @opentelemetry/api type (an optional peer): not the index.
export { traceMetadata } from "../observability/trace-metadata.js";
export { traceRequest } from "../observability/request-spans.js";
export type { TracedRequest } from "../observability/request-spans.js";
// The HTTP side of the same: a served request's `traceparent`/`tracestate` headers.
export { servingTraceHeaders } from "../transport/index.js";
