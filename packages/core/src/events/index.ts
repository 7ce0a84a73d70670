// Internal entry of events/: an agent's typed events, their log lines and process warnings
// (`AgentObserver`), and the built-in stderr logger. The public API is src/index.ts.
export { AgentEventBus, AgentEventSource } from "./events.js";
export type {
  AgentDeliveryMode,
  AgentEndReason,
  AgentEvent,
  AgentEventListener,
  AgentEventMap,
  AgentEventName,
} from "./events.js";
export { AgentObserver, deadLetterReason } from "./observer.js";
export type { MessageTrack } from "./observer.js";
export { stderrLogger } from "./default-logger.js";
export type { LogLevel } from "./default-logger.js";
export { EventWakeupsUnavailableWarning, HeartbeatLateWarning } from "./warnings.js";
export { LINES_PER_SECOND, LineBudget } from "./line-budget.js";
export { PathWarnings } from "./path-warnings.js";
