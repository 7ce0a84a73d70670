// PlatformClient.reply reads its answer only to learn whether it failed (assertDelivered): a 2xx
// answer naming no `error` is delivered without being parsed; an answer naming a JSON-RPC error,
// or an error status, fails with the same typed errors as a peer call. Over real HTTP against the
// emulator, the proxy's answers injected where the test needs one.
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type InboundMessage,
  MoleculePeerError,
  PlatformClient,
  fetchInbound,
} from "../src/index.js";

let emu: Emulator;
let asker: PlatformClient;
let answerer: PlatformClient;
let question: InboundMessage;

beforeAll(async () => {
  emu = await startEmulator();
  const a = await emu.admin.createWorkspace({ name: "asker" });
  const b = await emu.admin.createWorkspace({ name: "answerer" });
  asker = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token as string });
  answerer = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: b.id,
    token: b.token as string,
  });
  await asker.register({ agentCard: { name: "asker" } });
  await answerer.register({ agentCard: { name: "answerer" } });
  await asker.callPeer(b.id, "a question");
  const inbox = await fetchInbound(answerer, { limit: 10 });
  if (inbox.length !== 1) throw new Error(`expected the one question, got ${inbox.length} rows`);
  question = inbox[0]!;
});

afterAll(async () => {
  await Promise.all([asker?.close(), answerer?.close()]);
  await emu?.close();
});

/** The reply's rejection, or `undefined` when it resolved. */
async function outcome(text: string): Promise<unknown> {
  return await answerer.reply(question, text).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe("reply outcomes", () => {
  it("a queued answer (the asker polls) is delivered", async () => {
    expect(await outcome("queued answer")).toBeUndefined();
    const rows = await fetchInbound(asker, { limit: 10 });
    expect(rows.map((m) => [m.text, m.isReply])).toEqual([["queued answer", true]]);
  });

  it("a 2xx answer naming no error is delivered, whatever else it holds", async () => {
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${asker.workspaceId}/a2a`,
      status: 200,
      body: { jsonrpc: "2.0", id: 1, result: { kind: "message", parts: [] }, extra: [1, 2] },
    });
    expect(await outcome("to a push peer")).toBeUndefined();
  });

  it("a 2xx answer naming a JSON-RPC error fails with peer_rpc_error and its code", async () => {
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${asker.workspaceId}/a2a`,
      status: 200,
      body: { jsonrpc: "2.0", id: 1, error: { code: -32602, message: "invalid params" } },
    });
    const err = await outcome("refused");
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect((err as MoleculePeerError).code).toBe("peer_rpc_error");
    expect((err as MoleculePeerError).rpcCode).toBe(-32602);
  });

  it("a 202 naming a JSON-RPC error fails too (the receipt is parsed once it names an error)", async () => {
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${asker.workspaceId}/a2a`,
      status: 202,
      body: { jsonrpc: "2.0", id: 1, error: { code: -32600, message: "bad request" } },
    });
    const err = await outcome("refused again");
    expect((err as MoleculePeerError).rpcCode).toBe(-32600);
  });

  it("an error status fails with the peer call's typed error", async () => {
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${asker.workspaceId}/a2a`,
      status: 502,
      body: { error: "failed to reach workspace agent" },
    });
    const err = await outcome("unreachable");
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect((err as MoleculePeerError).code).toBe("peer_unreachable");
  });
});
