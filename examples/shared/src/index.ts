// Plumbing the examples share, so each example's own code is about its framework. Test helpers
// live in `@example/shared/testing`.
export {
  connectOrExit,
  consoleLogger,
  platformFromEnv,
  runUntilSignal,
  untilSignal,
} from "./run.js";
export type { PlatformTarget, RunningAgent } from "./run.js";
export { startConversation, startPeer, workspaceClient } from "./offline.js";
export type {
  Conversation,
  ConversationOptions,
  PeerOptions,
  StartedPeer,
  WorkspaceCredentials,
} from "./offline.js";
export { peerTextOf } from "./peer-text.js";
