// Shared test helpers. Imported as TypeScript source by Vitest (never built, never published).
import { createServer } from "node:net";

/** Resolves a TCP port on 127.0.0.1 that is free right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `predicate` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

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

export { packPackage, unpackInto } from "./pack.js";
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
export { forgetfulRelay } from "./forgetful-relay.js";
export type { ForgetfulRelay, ForgetfulRelayOptions } from "./forgetful-relay.js";
export { forwardProxy, tlsFront } from "./forward-proxy.js";
export type { ForwardProxy, TlsFront } from "./forward-proxy.js";
export { makeTestCa } from "./test-ca.js";
export type { TestCa } from "./test-ca.js";
export { spanAncestors, spanTree } from "./span-tree.js";
export type { FinishedSpan } from "./span-tree.js";
