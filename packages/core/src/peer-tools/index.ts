// Subpath `@molecule-ai/agent-core/peer-tools`: the framework-neutral peer-tool logic every adapter
// (LangChain, AI SDK, NestJS) shares: naming, descriptions, peer selection, error outcome. Loads no
// zod: the tools' zod input schemas are `/peer-tools/schemas` (schemas.ts).
export { isPeerSideError, PEER_SIDE_CODES, toPeerToolFailure } from "./classify.js";
export type { PeerToolFailure } from "./classify.js";
export { peerListText, peerToolDescription, summarizePeer } from "./describe.js";
export type { DescribablePeer, PeerSummary } from "./describe.js";
export { errorFields } from "./error-fields.js";
export type { ErrorFields } from "./error-fields.js";
export { PeerToolConfigError } from "./errors.js";
export { untrustedLabel } from "./label.js";
export {
  assertToolName,
  COLLISION_SUFFIX_LENGTH,
  peerToolName,
  slugify,
  TOOL_NAME_PATTERN,
  uniquePeerToolNames,
} from "./naming.js";
export type { NamedPeer } from "./naming.js";
export { peerFailureText, peerResultText, runPeerTool } from "./outcome.js";
export type { PeerToolCallSettings, PeerToolOutcome } from "./outcome.js";
export { PEER_TOOL_INPUT_JSON_SCHEMA } from "./tool-inputs.js";
export type { DelegateInput, PeerToolInput, WorkInput } from "./tool-inputs.js";
export {
  CANCEL_WORK_DESCRIPTION,
  CANCEL_WORK_TOOL_NAME,
  cancelWorkStep,
  CHECK_WORK_DESCRIPTION,
  CHECK_WORK_TOOL_NAME,
  checkWorkStep,
  delegationStateText,
  holdAnsweredTask,
  LIST_WORK_DESCRIPTION,
  LIST_WORK_TOOL_NAME,
  listWorkStep,
  taskStateText,
  WAIT_WORK_DESCRIPTION,
  WAIT_WORK_TOOL_NAME,
  waitWorkStep,
  WorkLedger,
} from "./work.js";
export type { HeldTask, WorkArtifact, WorkClient, WorkStepOptions } from "./work.js";
export { loadPeerToolSpecs, planPeerTools } from "./plan.js";
export type {
  LoadPeerToolSpecsOptions,
  PeerToolPlanOptions,
  PeerToolSpec,
  PlannedPeerTool,
} from "./plan.js";
export { contentText, sanitizeTextContent } from "./text-content.js";
export { callPeerStep, stepIds } from "./peer-step.js";
export type { PeerStep } from "./peer-step.js";
export { matchedSkills, matchesPeer, selectPeers } from "./select.js";
export type { PeerMatcher, PeerSelection, PeerSelector } from "./select.js";
export {
  DELEGATE_DESCRIPTION,
  delegationText,
  LIST_PEERS_DESCRIPTION,
  runDelegate,
  runListPeers,
} from "./builtins.js";
export type { DelegateOutcome, PeerListing } from "./builtins.js";
export { sanitizePeerJson } from "./sanitize-json.js";
export { toolClientOf, toPeerRef } from "./tool-client.js";
export { findPeer } from "./find-peer.js";
export type { FoundPeer, PeerListClient } from "./find-peer.js";
export type {
  AgentSource,
  DelegateClient,
  ListPeersClient,
  OnPeerError,
  PeerCallClient,
  PeerLike,
  PeerToolArtifact,
  PeerToolErrorArtifact,
  PeerToolkitClient,
} from "./peer-tool-types.js";
export type {
  WorkToolsOptions,
  DelegateToolOptions,
  ListPeersToolOptions,
  LoadPeerToolsOptions,
  PeerToolkitOptions,
  PeerToolOptions,
} from "./peer-tool-options.js";
export { failedStepAnswer } from "./tool-step.js";
export type { FailedStepAnswer, FailedToolStep, ToolStep } from "./tool-step.js";
export { delegateStep, listPeersStep, peerToolStep } from "./tool-steps.js";
export type { ToolSpanName } from "./tool-steps.js";
export { MOLECULE_TOOL_METADATA, moleculeToolKind } from "./tool-marker.js";
export { inputRequestQuestion, peerInputRequest } from "./peer-input-request.js";
export type { PeerInputRequest } from "./peer-input-request.js";
export { DELEGATE_TOOL_NAME, LIST_PEERS_TOOL_NAME, planPeerToolkit } from "./toolkit-plan.js";
export type { PeerToolkitPlan } from "./toolkit-plan.js";
export { a2aAgentPeer } from "./a2a-agent.js";
export type { A2AAgentToolOptions } from "./a2a-agent.js";
