// The endpoints a PlatformClient loads when first called (issue 93): an agent that never lists its
// delegations, reads its session, manages tokens, downloads a plugin, keeps memories or opens an
// approval request does not load (or keep the source of) their modules. Each function here has the
// signature of the one it loads; the bundle keeps those modules in chunks of their own.
import type * as Approvals from "./approvals.js";
import type * as Delegations from "./delegation-records.js";
import type * as Memories from "./memories.js";
import type * as Plugins from "./plugin-download.js";
import type * as Queue from "./queue-status.js";
import type * as Sessions from "./session-views.js";
import type * as Tokens from "./tokens.js";

type Args<F extends (...a: never[]) => unknown> = Parameters<F>;

const delegations = () => import("./delegation-records.js");
export const recordDelegation = (...a: Args<typeof Delegations.recordDelegation>) =>
  delegations().then((m) => m.recordDelegation(...a));
export const updateDelegation = (...a: Args<typeof Delegations.updateDelegation>) =>
  delegations().then((m) => m.updateDelegation(...a));
export const listDelegations = (...a: Args<typeof Delegations.listDelegations>) =>
  delegations().then((m) => m.listDelegations(...a));
/** A direct peer call recorded as a delegation (peer-call.ts). */
export const recordedDirectCall = <R extends { status: string; text?: string }>(
  ...a: Args<typeof Delegations.recordedDirectCall<R>>
) => delegations().then((m) => m.recordedDirectCall<R>(...a));

const sessions = () => import("./session-views.js");
export const searchSession = (...a: Args<typeof Sessions.searchSession>) =>
  sessions().then((m) => m.searchSession(...a));
export const listTraces = (...a: Args<typeof Sessions.listTraces>) =>
  sessions().then((m) => m.listTraces(...a));
export const fetchTranscript = (...a: Args<typeof Sessions.fetchTranscript>) =>
  sessions().then((m) => m.fetchTranscript(...a));

export const getQueuedCall = (...a: Args<typeof Queue.getQueuedCall>) =>
  import("./queue-status.js").then((m) => m.getQueuedCall(...a));

const tokens = () => import("./tokens.js");
export const listTokens = (...a: Args<typeof Tokens.listTokens>) =>
  tokens().then((m) => m.listTokens(...a));
export const createToken = (...a: Args<typeof Tokens.createToken>) =>
  tokens().then((m) => m.createToken(...a));
export const revokeToken = (...a: Args<typeof Tokens.revokeToken>) =>
  tokens().then((m) => m.revokeToken(...a));
export const rotateToken = (...a: Args<typeof Tokens.rotateToken>) =>
  tokens().then((m) => m.rotateToken(...a));

const plugins = () => import("./plugin-download.js");
export const downloadPlugin = (...a: Args<typeof Plugins.downloadPlugin>) =>
  plugins().then((m) => m.downloadPlugin(...a));
export const recordPluginInstall = (...a: Args<typeof Plugins.recordPluginInstall>) =>
  plugins().then((m) => m.recordPluginInstall(...a));

const memories = () => import("./memories.js");
export const commitMemory = (...a: Args<typeof Memories.commitMemory>) =>
  memories().then((m) => m.commitMemory(...a));
export const searchMemories = (...a: Args<typeof Memories.searchMemories>) =>
  memories().then((m) => m.searchMemories(...a));
export const deleteMemory = (...a: Args<typeof Memories.deleteMemory>) =>
  memories().then((m) => m.deleteMemory(...a));

const approvals = () => import("./approvals.js");
export const createApproval = (...a: Args<typeof Approvals.createApproval>) =>
  approvals().then((m) => m.createApproval(...a));
export const listApprovals = (...a: Args<typeof Approvals.listApprovals>) =>
  approvals().then((m) => m.listApprovals(...a));
export const decideOwnApproval = (...a: Args<typeof Approvals.decideOwnApproval>) =>
  approvals().then((m) => m.decideOwnApproval(...a));
