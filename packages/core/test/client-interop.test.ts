// callPeer against an official @a2a-js/sdk 1.x server (Express; DefaultRequestHandler,
// InMemoryTaskStore, an echo AgentExecutor): strict (A2A 1.0 only) and with legacyCompat (0.3 too),
// through the emulator's proxy and via: "direct".
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentCard, Message } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { isMoleculeError, MoleculePeerError, PlatformClient } from "../src/index.js";

interface SdkPeer {
  url: string;
  /** Requests as the SDK server saw them. */
  seen: Array<{
    path: string;
    method: string;
    version: string | undefined;
    rpc?: string;
    messageId?: string;
    auth?: string;
  }>;
  card: Record<string, unknown>;
  close(): Promise<void>;
}

const echo: AgentExecutor = {
  async execute(ctx, bus) {
    const text = ctx.userMessage.parts
      .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
      .join("");
    bus.publish(
      AgentEvent.message(
        Message.fromJSON({
          messageId: crypto.randomUUID(),
          contextId: ctx.contextId,
          role: "ROLE_AGENT",
          parts: [{ text: `sdk echo: ${text}` }],
        }),
      ),
    );
    bus.finished();
  },
  async cancelTask() {},
};

/** An @a2a-js/sdk 1.3.0 Express server: JSON-RPC on /a2a, the card at the origin's well-known path. */
async function startSdkPeer(legacy: boolean, serveCard = true): Promise<SdkPeer> {
  const app = express();
  const seen: SdkPeer["seen"] = [];
  app.use(express.json());
  app.use((req, _res, next) => {
    const body = (req.body ?? {}) as {
      method?: string;
      params?: { message?: { messageId?: string } };
    };
    seen.push({
      path: req.path,
      method: req.method,
      version: req.header("a2a-version"),
      ...(body.method ? { rpc: body.method } : {}),
      ...(body.params?.message?.messageId ? { messageId: body.params.message.messageId } : {}),
      ...(req.header("authorization") ? { auth: req.header("authorization") } : {}),
    });
    next();
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}/a2a`;
  const card = AgentCard.fromJSON({
    name: legacy ? "sdk-legacy" : "sdk-strict",
    description: "echo",
    version: "1.0.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ...(legacy ? [{ url, protocolBinding: "JSONRPC", protocolVersion: "0.3" }] : []),
    ],
    capabilities: { streaming: false },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "echo", name: "echo", description: "echoes", tags: ["echo"] }],
  });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), echo);
  const compat = legacy ? { legacyCompat: { enabled: true } } : {};
  if (serveCard) {
    app.use(
      "/.well-known/agent-card.json",
      agentCardHandler({ agentCardProvider: handler, ...compat }),
    );
  }
  app.use(
    "/a2a",
    jsonRpcHandler({
      requestHandler: handler,
      userBuilder: UserBuilder.noAuthentication,
      ...compat,
    }),
  );
  return {
    url,
    seen,
    card: AgentCard.toJSON(card) as Record<string, unknown>,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let emu: Emulator;
let caller: PlatformClient;
const peers: Record<"strict" | "legacy" | "cardless", { sdk: SdkPeer; id: string }> = {} as never;
let token: string;

// The SDK logs every rejected request with console.error; keep the output readable.
beforeEach(() => void vi.spyOn(console, "error").mockImplementation(() => {}));

beforeAll(async () => {
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  token = me.token as string;
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token });
  for (const kind of ["strict", "legacy", "cardless"] as const) {
    const sdk = await startSdkPeer(kind === "legacy", kind !== "cardless");
    const ws = await emu.admin.createWorkspace({ name: `sdk-${kind}`, url: sdk.url });
    peers[kind] = { sdk, id: ws.id };
  }
});

afterAll(async () => {
  await caller.close();
  for (const p of Object.values(peers)) await p.sdk.close();
  await emu.close();
});

describe("callPeer -> @a2a-js/sdk 1.3.0 server, via: direct", () => {
  it("strict 1.x server: reads the card, sends SendMessage with A2A-Version: 1.0", async () => {
    const { sdk, id } = peers.strict;
    const from = sdk.seen.length;
    const r = await caller.callPeer(id, "hello strict", { via: "direct" });
    expect(r).toMatchObject({
      status: "completed",
      text: "sdk echo: hello strict",
      protocol: "1.0",
    });
    const calls = sdk.seen.slice(from);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /.well-known/agent-card.json",
      "POST /a2a",
    ]);
    expect(calls[1]?.version).toBe("1.0");
    expect(calls.some((c) => c.auth !== undefined)).toBe(false); // never the platform token
    // Learned: the next call goes straight to 1.0, without the card.
    const again = sdk.seen.length;
    await caller.callPeer(id, "again", { via: "direct" });
    expect(sdk.seen.slice(again).map((c) => c.method)).toEqual(["POST"]);
  });

  it("legacyCompat server: speaks v0.3 message/send", async () => {
    const { sdk, id } = peers.legacy;
    const from = sdk.seen.length;
    const r = await caller.callPeer(id, "hello legacy", { via: "direct" });
    expect(r).toMatchObject({
      status: "completed",
      text: "sdk echo: hello legacy",
      protocol: "0.3",
    });
    const post = sdk.seen.slice(from).find((c) => c.method === "POST");
    expect(post?.version).toBeUndefined();
  });

  it("protocol forces a version: no fallback, a clear error", async () => {
    const { id } = peers.strict;
    const err = await caller
      .callPeer(id, "forced", { via: "direct", protocol: "0.3" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect((err as MoleculePeerError).rpcCode).toBe(-32009);
    expect((err as Error).message).toMatch(/does not accept A2A 0.3/);
  });

  it("without a card: v0.3 is rejected (-32009), retried once in 1.0 with the same messageId", async () => {
    const { sdk, id } = peers.cardless;
    const from = sdk.seen.length;
    const messageId = crypto.randomUUID();
    const r = await caller.callPeer(id, "fallback", { via: "direct", messageId });
    expect(r).toMatchObject({ status: "completed", text: "sdk echo: fallback", protocol: "1.0" });
    const posts = sdk.seen.slice(from).filter((c) => c.method === "POST");
    expect(posts.map((c) => [c.rpc, c.version, c.messageId])).toEqual([
      ["message/send", undefined, messageId],
      ["SendMessage", "1.0", messageId],
    ]);
  });
});

describe("callPeer -> @a2a-js/sdk 1.3.0 server, through the platform proxy", () => {
  it("legacyCompat server: answers v0.3 through the proxy", async () => {
    const r = await caller.callPeer(peers.legacy.id, "via proxy");
    expect(r.status).toBe("completed");
    expect("text" in r && r.text).toContain("sdk echo: via proxy");
    expect("text" in r && r.protocol).toBe("0.3");
  });

  it("strict 1.x server: the proxy drops A2A-Version, so the call fails with a clear error", async () => {
    const { sdk, id } = peers.strict;
    caller.invalidatePeer(id);
    const from = sdk.seen.length;
    const err = await caller.callPeer(id, "via proxy").catch((e: unknown) => e);
    expect(isMoleculeError(err, "peer_rpc_error")).toBe(true);
    expect((err as MoleculePeerError).rpcCode).toBe(-32009);
    expect((err as Error).message).toMatch(/proxy does not forward/);
    expect((err as Error).message).toMatch(/via: "direct"/);
    // v0.3 first, then one retry in 1.0; neither reached the peer with the header.
    const posts = sdk.seen.slice(from).filter((c) => c.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts.every((c) => c.version === undefined)).toBe(true);
    expect(JSON.stringify(sdk.seen)).not.toContain(token);
  });

  it("uses the card the peer registered (listPeers' agent_card): SendMessage first", async () => {
    const { sdk, id } = peers.strict;
    // The peer's owner registers its 1.x card with the platform (first registration mints its token).
    const owner = new PlatformClient({ platformUrl: emu.url, workspaceId: id });
    await owner.register({ url: sdk.url, agentCard: sdk.card as { name: string } });
    await owner.close();
    caller.invalidatePeer(id);
    const listed = await caller.listPeers();
    expect(listed.find((p) => p.id === id)?.agentCard).toMatchObject({ name: "sdk-strict" });
    const from = sdk.seen.length;
    const err = await caller.callPeer(id, "card says 1.0").catch((e: unknown) => e);
    expect((err as MoleculePeerError).rpcCode).toBe(-32009);
    const posts = sdk.seen.slice(from).filter((c) => c.method === "POST");
    expect(posts.map((c) => c.rpc)).toEqual(["SendMessage"]); // no v0.3 attempt, no fallback
  });
});
