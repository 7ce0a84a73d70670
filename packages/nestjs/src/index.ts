// Public API of @molecule-ai/nestjs.
export { MoleculeAgentModule } from "./module.js";
export type {
  MoleculeAgentModuleAsyncOptions,
  MoleculeAgentModuleForRootOptions,
} from "./module.js";
export { MOLECULE_AGENT_MODULE_OPTIONS } from "./constants.js";
export {
  InjectPlatformClient,
  InjectRemoteAgent,
  OnApprovalEscalated,
  OnPeerMessage,
  PeerAgent,
} from "./decorators.js";
export type {
  PeerAgentOptions,
  PeerMessageDecorator,
  PeerMessageMethod,
  PeerReply,
} from "./decorators.js";
// Core's handler routing and health types, named as this package always exported them.
export {
  NoPeerHandlerError,
  PeerHandlerConfigError,
  PeerReplyTypeError,
  type AgentLifecycleState,
  type PeerMessageFilter,
  type PeerMessageSource,
  type PeerRoute,
} from "@molecule-ai/agent-core/adapters";
export { MoleculeAgentConfigError } from "./errors.js";
export type {
  DeliveryConfig,
  MoleculeAgentModuleExtras,
  MoleculeAgentModuleOptions,
  PollDeliveryConfig,
  PushDeliveryConfig,
} from "./options.js";
export { PeerMessageDispatcher } from "./explorer.js";
export type { BoundPeerHandler } from "./explorer.js";
export { MoleculePeerTools } from "./peer-tools.js";
export { MoleculeApprovals, MoleculeMemory } from "./org.js";
export { MoleculeCanvas } from "./canvas.js";
export { MoleculeHealthIndicator } from "./health.js";
export { MoleculeAgentLifecycle } from "./lifecycle.js";
export type { MoleculeHealthOptions, MoleculeHealthResult } from "./health.js";
