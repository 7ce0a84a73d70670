// Shared test helpers. Imported as TypeScript source by Vitest (never built, never published).
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.js";

/**
 * The pending approval requests of `workspaceId` once it has one (waits at most 60 s); `list` reads
 * them all, as `AdminClient.listPendingApprovals` does.
 */
export async function pendingApprovalsOf<T extends { workspaceId: string }>(
  list: () => Promise<readonly T[]>,
  workspaceId: string,
): Promise<T[]> {
  return await waitFor(
    async () => {
      const rows = (await list()).filter((a) => a.workspaceId === workspaceId);
      return rows.length > 0 ? rows : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

export { waitFor } from "./wait.js";
export { freePort } from "./free-port.js";
export { stallMeter } from "./stalls.js";
export type { StallMeter } from "./stalls.js";
export { cardServed, postAs, STRANGERS } from "./strangers.js";
export { packPackage, tarballOf, unpackInto } from "./pack.js";
export type { PackedPackage } from "./pack.js";
export { PEER_DEFAULTS, PEER_RESULT_END, PEER_RESULT_START, wrapPeerText } from "./peers.js";
export { readmeBlock, runTypeScript } from "./readme.js";
export { extractBlocks, projectFiles, quickstartBlocks } from "./readme-blocks.js";
export type { ProjectFile, ReadmeBlock } from "./readme-blocks.js";
export { sendA2AMessage } from "./a2a-send.js";
export type { A2ASendAnswer } from "./a2a-send.js";
export { deliverInTurn } from "./resend-scenarios.js";
export type { ResendRig, ResendSeen } from "./resend-scenarios.js";
export { readLines } from "./lines.js";
export type { LineReader } from "./lines.js";
export { rpc, rpcRequest, rpcStream, sseData } from "./rpc.js";
export type { RpcBody, RpcRequestOptions, RpcResult, RpcStream } from "./rpc.js";
export { hungPoisonRounds, POISON_AND_NEIGHBOURS } from "./poison-rounds.js";
export type { PoisonRoundHooks, PoisonRounds } from "./poison-rounds.js";
export { childRig, fileLines, kill9 } from "./kill-children.js";
export type { ChildRig, LineChild } from "./kill-children.js";
export { approvalAcrossKills } from "./approval-kills.js";
export type { ApprovalKills } from "./approval-kills.js";
export { orgRoot } from "./org-root.js";
export { pushKillRounds } from "./kill-rounds.js";
export type { KillRounds } from "./kill-rounds.js";
export { canvasDownload, canvasSend, canvasSendFiles, canvasUpload } from "./canvas-files.js";
export type { CanvasFile, CanvasUpload } from "./canvas-files.js";
export { countingProxy } from "./counting-proxy.js";
export type { CountingProxy } from "./counting-proxy.js";
export { oldNode } from "./old-node.js";
export type { OldNode } from "./old-node.js";
export { slowReaderUpload } from "./uploads.js";
export { startTaskPeer } from "./task-peer.js";
export type { TaskPeer } from "./task-peer.js";
export type { UploadOptions, UploadOutcome } from "./uploads.js";
export {
  forgedInboxHeader,
  forgedLines,
  forgedText,
  HIDDEN_CHARACTERS,
  HIDDEN_KEYS_SHOWN,
  hiddenToolInput,
  LOOKALIKE_OPENERS,
  PADDED_MARKERS,
  peerAnswerText,
  readerLine,
} from "./forgery.js";
export { startBareA2AAgent } from "./a2a-agent.js";
export type { BareA2AAgent } from "./a2a-agent.js";
export { cuttingProxy } from "./cutting-proxy.js";
export type { CuttingProxy } from "./cutting-proxy.js";
export { cutAndGoOn, Pacer } from "./stream-cuts.js";
export { forgetfulRelay } from "./forgetful-relay.js";
export type { ForgetfulRelay, ForgetfulRelayOptions } from "./forgetful-relay.js";
export { forwardProxy, tlsFront } from "./forward-proxy.js";
export type { ForwardProxy, TlsFront } from "./forward-proxy.js";
export { makeSelfSigned, makeTestCa } from "./test-ca.js";
export { OTHER_HOST, TLS_FAILURES, tlsFixLine, tlsFronts, tlsLine } from "./tls-fronts.js";
export type { TlsFailureKind, TlsFronts } from "./tls-fronts.js";
export type { TestCa, TestCert, TestCertOptions } from "./test-ca.js";
export {
  CLOUDFLARE_522,
  errorFront,
  FRONT_PAGES,
  FRONT_REFUSAL_PAGES,
  NGINX_413,
  NGINX_502,
  NGINX_503,
  SIGN_IN_PAGE,
  SIGN_IN_PAGES,
  WAF_403,
} from "./error-front.js";
export type { ErrorFront, FrontPage } from "./error-front.js";
export { spanAncestors, spanTree } from "./span-tree.js";
export type { FinishedSpan } from "./span-tree.js";
export {
  ownMachine,
  OWN_PID_NAMESPACE,
  pidNamespaces,
  pidOneOf,
  stopped,
} from "./pid-namespace.js";
export { itRunsLean, nodeSetupOf } from "./lean-process.js";
export type { NodeSetup } from "./lean-process.js";

/**
 * A preload (`NODE_OPTIONS=--import <this path>`) that appends every module a process loads to the
 * file `$RECORD_MODULES` names, and Node's own internal modules as `builtin:<name>` at exit.
 */
export const RECORD_MODULES_HOOK = fileURLToPath(new URL("./record-modules.mjs", import.meta.url));
