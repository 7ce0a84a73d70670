// PlatformClient and AdminClient against the emulator over real HTTP, in both contracts.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import {
  fetchActivity,
  fetchInbound,
  isMoleculeError,
  MemoryTokenStore,
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  PlatformClient,
  sanitizePeerText,
  WorkspaceRemovedError,
  type InboundMessage,
} from "../src/index.js";

/** A minimal A2A peer that records the headers it receives. */
async function startPeer(): Promise<{
  url: string;
  headers: IncomingHttpHeaders[];
  close(): Promise<void>;
}> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as {
        id: unknown;
        params: { message: { parts: { text?: string }[]; contextId?: string } };
      };
      const text = body.params.message.parts.map((p) => p.text ?? "").join("");
      res.setHeader("content-type", "application/json");
      if (text === "rpc-error") {
        res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: body.id,
            error: { code: -32602, message: "bad params" },
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: body.id,
          result: {
            kind: "message",
            role: "agent",
            messageId: "r1",
            contextId: body.params.message.contextId ?? "ctx-peer",
            parts: [{ kind: "text", text: `echo: ${text}` }],
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/a2a`,
    headers,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const CARD = { name: "tester", description: "test agent" };

describe.each(["latest", "2026-04"] as const)(
  "PlatformClient against the emulator (%s)",
  (compat) => {
    let emu: Emulator;
    let peer: Awaited<ReturnType<typeof startPeer>>;
    let self: { id: string; token: string };
    let peerWs: { id: string; token?: string | undefined };
    let client: PlatformClient;
    const logs: string[] = [];
    const logger = {
      debug: (m: string, meta?: object) => logs.push(m + JSON.stringify(meta ?? {})),
      info: (m: string, meta?: object) => logs.push(m + JSON.stringify(meta ?? {})),
      warn: (m: string, meta?: object) => logs.push(m + JSON.stringify(meta ?? {})),
      error: (m: string, meta?: object) => logs.push(m + JSON.stringify(meta ?? {})),
    };
    const errors: unknown[] = [];
    async function capture<T>(p: Promise<T>): Promise<unknown> {
      try {
        await p;
        return undefined;
      } catch (err) {
        errors.push(err);
        return err;
      }
    }

    beforeAll(async () => {
      emu = await startEmulator({ compat });
      peer = await startPeer();
      const a = await emu.admin.createWorkspace({ name: "self" });
      self = { id: a.id, token: a.token as string };
      peerWs = await emu.admin.createWorkspace({ name: "peer", url: peer.url });
      client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: self.id,
        tokenStore: new MemoryTokenStore(self.token),
        logger,
      });
    });
    afterAll(async () => {
      await client.close();
      await peer.close();
      await emu.close();
    });

    it("probes capabilities once and caches them", async () => {
      const caps = await client.capabilities();
      expect(caps.compat).toBe(compat);
      expect(caps.cursors).toBe(compat === "latest");
      expect(caps.pollDelivery).toBe(compat === "latest");
      expect(typeof caps.eventStream).toBe("boolean");
      expect(await client.capabilities()).toBe(caps);
    });

    it("register: 401 without the token says how to pass it", async () => {
      const anon = new PlatformClient({ platformUrl: emu.url, workspaceId: self.id });
      const err = await capture(anon.register({ agentCard: CARD, url: peer.url }));
      expect(err).toBeInstanceOf(MoleculeAuthError);
      expect((err as Error).message).toContain("pass it as `token` or through `tokenStore`");
      await anon.close();
    });

    it.runIf(compat === "latest")("register: poll delivery on the newer contract", async () => {
      const r = await client.register({ agentCard: CARD });
      expect(r).toMatchObject({ status: "registered", tokenIssued: false, deliveryMode: "poll" });
      expect(r.inboundSecret).toBeTruthy();
      expect(inspect(r)).not.toContain(r.inboundSecret);
    });

    it.runIf(compat === "2026-04")(
      "register: the baseline has no poll delivery; a url registers push",
      async () => {
        const err = await capture(client.register({ agentCard: CARD }));
        expect(isMoleculeError(err, "poll_delivery_unsupported")).toBe(true);
        expect((err as Error).message).toMatch(/pass `url`/);
        const r = await client.register({ agentCard: CARD, url: peer.url, deliveryMode: "poll" });
        expect(r).toMatchObject({ status: "registered", deliveryMode: "push" });
      },
    );

    it("register mints and stores the token for a workspace created with a url", async () => {
      const ws = await emu.admin.createWorkspace({ name: "minted", url: peer.url });
      const store = new MemoryTokenStore();
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, tokenStore: store });
      const r = await c.register({ agentCard: CARD, url: peer.url });
      expect(r.tokenIssued).toBe(true);
      expect(r.deliveryMode).toBe("push");
      expect(await store.load()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(c.hasToken).toBe(true);
      await c.heartbeat();
      await c.close();
    });

    it("register reports what the platform did on a first registration (no token yet) with a url and poll", async () => {
      const ws = await emu.admin.createWorkspace({ name: "first", url: peer.url });
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id });
      const r = await c.register({ agentCard: CARD, url: peer.url, deliveryMode: "poll" });
      expect(r.tokenIssued).toBe(true);
      // The baseline ignores delivery_mode and pushes to the url; the newer platform polls.
      expect(r.deliveryMode).toBe(compat === "latest" ? "poll" : "push");
      // The newer platform keeps no URL for a poll workspace (its GET shows no delivery_mode).
      const server = await emu.admin.getWorkspace(ws.id);
      expect(server).toMatchObject({ url: compat === "latest" ? "" : peer.url });
      await c.close();
    });

    it("heartbeat sends integer fields and a task report", async () => {
      await client.heartbeat({
        activeTasks: 2.7,
        currentTask: "indexing",
        errorRate: 0.01,
        uptimeSeconds: 12.9,
      });
      const ws = await emu.admin.getWorkspace(self.id);
      expect(ws.active_tasks).toBe(2);
      expect(ws.uptime_seconds).toBe(12);
      await expect(client.heartbeat({ activeTasks: Number.NaN })).rejects.toThrow(/finite number/);
    });

    it("heartbeat with a wrong token is an auth error", async () => {
      const bad = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: self.id,
        token: "wrong-token-0123456789012345678901234567890",
      });
      expect(await capture(bad.heartbeat())).toBeInstanceOf(MoleculeAuthError);
      await bad.close();
    });

    it("updateAgentCard and getWorkspace", async () => {
      await client.updateAgentCard({ name: "tester", description: "updated" });
      const ws = await client.getWorkspace();
      expect(ws.id).toBe(self.id);
      expect((ws.agent_card as { description?: string }).description).toBe("updated");
      expect(
        await capture(client.getWorkspace("00000000-0000-4000-8000-000000000000")),
      ).toBeInstanceOf(MoleculeNotFoundError);
    });

    it("getState and pullSecrets", async () => {
      expect(await client.getState()).toEqual({ status: "online", paused: false, removed: false });
      await emu.admin.setSecrets(self.id, { OPENAI_API_KEY: "sk-test-1", OTHER: "v" });
      expect(await client.pullSecrets()).toMatchObject({ OPENAI_API_KEY: "sk-test-1", OTHER: "v" });
    });

    it("GETs retry through an injected 429 / 503", async () => {
      emu.injectFault({
        method: "GET",
        path: "/workspaces/:id/state",
        status: 429,
        headers: { "Retry-After": "0" },
      });
      emu.injectFault({
        method: "GET",
        path: "/workspaces/:id/state",
        status: 503,
        headers: { "Retry-After": "0" },
      });
      expect((await client.getState()).status).toBe("online");
    });

    it("listPeers and discoverPeer, with a TTL cache and invalidation", async () => {
      const peers = await client.listPeers({ fresh: true });
      const p = peers.find((x) => x.id === peerWs.id);
      // On August every workspace created without a parent is under the seeded Org Concierge.
      const concierge = (await emu.admin.listWorkspaces()).find(
        (w) => w["name"] === "Org Concierge",
      );
      const parentId = compat === "latest" ? concierge!["id"] : null;
      expect(p).toMatchObject({ name: "peer", url: peer.url, parentId });
      expect(typeof p?.activeTasks).toBe("number");
      expect((await client.listPeers({ q: "no-such-peer-name", fresh: true })).length).toBe(0);

      const d = await client.discoverPeer(peerWs.id);
      expect(d).toMatchObject({ id: peerWs.id, url: peer.url });
      emu.injectFault({ path: "/registry/discover/:id", status: 500 });
      expect(await client.discoverPeer(peerWs.id)).toEqual(d); // cached: the fault is not hit
      client.invalidatePeer(peerWs.id);
      expect(isMoleculeError(await capture(client.discoverPeer(peerWs.id)), "server_error")).toBe(
        true,
      );
      emu.injectFault({
        path: "/registry/discover/:id",
        status: 403,
        body: { error: "not authorized to discover this workspace" },
      });
      const denied = await capture(client.discoverPeer(peerWs.id, { fresh: true }));
      expect(denied).toBeInstanceOf(MoleculeAuthError);
      expect((denied as Error).message).toMatch(/hierarchy/);
      // Unknown ids fail the hierarchy check first (platform-api.md §3.9): 403, not 404.
      expect(
        await capture(client.discoverPeer("00000000-0000-4000-8000-00000000abcd")),
      ).toBeInstanceOf(MoleculeAuthError);
    });

    it("callPeer via the proxy: full envelope, tolerant text, boundary handling", async () => {
      const before = peer.headers.length;
      const r = await client.callPeer(peerWs.id, "hello", { contextId: "ctx-1" });
      const done = r as Extract<typeof r, { text: string }>;
      expect(done.status).toBe("completed");
      expect(sanitizePeerText(done.text)).toBe("echo: hello");
      // As the peer answered it, in every contract: no platform wraps a peer's answer.
      expect(done.text).toBe("echo: hello");
      expect(done.contextId).toBe("ctx-1");
      expect(r.messageId).toMatch(/^[0-9a-f-]{36}$/);
      // No workspace token reaches the peer. The August platform signs a push to a host-name URL
      // with the peer's own inbound secret (what its agent gets at register and heartbeat).
      const h = peer.headers[before];
      const asPeer = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: peerWs.id,
        token: peerWs.token!,
      });
      await asPeer.heartbeat();
      const secret = asPeer.files.inboundSecret; // none from the baseline
      await asPeer.close();
      expect(secret === undefined).toBe(compat !== "latest");
      expect(h?.authorization).toBe(compat === "latest" ? `Bearer ${secret}` : undefined);
      for (const token of [self.token, peerWs.token!])
        expect(h?.authorization ?? "").not.toContain(token);
    });

    it("callPeer maps failures: JSON-RPC error, 502, 403, 202 queued, timeout", async () => {
      const rpc = await capture(client.callPeer(peerWs.id, "rpc-error"));
      expect(rpc).toBeInstanceOf(MoleculePeerError);
      expect((rpc as MoleculePeerError).rpcCode).toBe(-32602);

      emu.injectFault({
        path: "/workspaces/:id/a2a",
        status: 502,
        body: { error: "failed to reach workspace agent" },
      });
      expect(
        isMoleculeError(await capture(client.callPeer(peerWs.id, "x")), "peer_unreachable"),
      ).toBe(true);

      emu.injectFault({
        path: "/workspaces/:id/a2a",
        status: 403,
        body: { error: "access denied: workspaces cannot communicate per hierarchy rules" },
      });
      const forbidden = await capture(client.callPeer(peerWs.id, "x"));
      expect(forbidden).toBeInstanceOf(MoleculeAuthError);
      expect((forbidden as Error).message).toMatch(/hierarchy rules/);

      emu.injectFault({
        path: "/workspaces/:id/a2a",
        status: 202,
        body: { queued: true, queue_id: "q-1", queue_depth: 3, message: "busy" },
      });
      expect(await client.callPeer(peerWs.id, "x")).toMatchObject({
        status: "queued",
        queueId: "q-1",
        queueDepth: 3,
        peerId: peerWs.id,
      });

      emu.injectFault({ path: "/workspaces/:id/a2a", delayMs: 2_000 });
      expect(
        isMoleculeError(
          await capture(client.callPeer(peerWs.id, "slow", { timeoutMs: 200 })),
          "peer_timeout",
        ),
      ).toBe(true);

      await expect(client.callPeer(peerWs.id, "")).rejects.toThrow(/non-empty message/);
    });

    it("callPeer to an id its peer list does not hold: peer_unknown, not the hierarchy rules", async () => {
      // The platform answers 403 "hierarchy rules" for an id that names no workspace, as for a
      // workspace it keeps apart; only the second is about the hierarchy.
      const unknown = "0badc0de-0000-4000-8000-000000000000";
      const err = await capture(client.callPeer(unknown, "x"));
      expect(err).toBeInstanceOf(MoleculePeerError);
      expect(err).toMatchObject({
        code: "peer_unknown",
        status: 403,
        retryable: false,
        peerId: unknown,
        message: `peer ${unknown} is unknown to workspace ${self.id}: it is not among the peers this workspace may message (listPeers()), and the platform answers 403 alike for an id that names no workspace and for one its hierarchy rules keep apart; check the id against listPeers()`,
      });
      // A workspace the hierarchy keeps apart is not among the peers either: the same answer. (A
      // 403 for a listed peer keeps the hierarchy message: "callPeer maps failures" above.)
      const parent = await emu.admin.createWorkspace({ name: "Elsewhere" });
      const apart = await emu.admin.createWorkspace({ name: "Kept apart", parentId: parent.id });
      expect(await capture(client.callPeer(apart.id, "x"))).toMatchObject({
        code: "peer_unknown",
        peerId: apart.id,
      });
    });

    it("callPeer via: direct never sends the platform token or platform headers", async () => {
      const before = peer.headers.length;
      const r = await client.callPeer(peerWs.id, "direct hi", { via: "direct" });
      expect(r.status === "completed" && r.text).toBe("echo: direct hi");
      const h = peer.headers[before] ?? {};
      expect(h.authorization).toBeUndefined();
      expect(h["x-workspace-id"]).toBeUndefined();
      expect(h["x-molecule-org-id"]).toBeUndefined();
      expect(h.origin).toBeUndefined();
      expect(JSON.stringify(h)).not.toContain(self.token);
    });

    it("delegate with an idempotency key", async () => {
      const d1 = await client.delegate(peerWs.id, "summarise the docs", {
        idempotencyKey: `k-${compat}`,
      });
      expect(d1).toMatchObject({ targetId: peerWs.id, idempotentHit: false });
      expect(d1.delegationId).toBeTruthy();
      const d2 = await client.delegate(peerWs.id, "summarise the docs", {
        idempotencyKey: `k-${compat}`,
      });
      expect(d2).toMatchObject({ delegationId: d1.delegationId, idempotentHit: true });
      await expect(client.delegate(self.id, "x")).rejects.toThrow(/itself/);
    });

    it("fetchInbound is ascending in both contracts, drops notify echoes; reply routes by source", async () => {
      // A poll-capable receiver on latest; a push receiver on the baseline (messages still logged as activity).
      const recvUrl = compat === "latest" ? undefined : peer.url;
      const recv = await emu.admin.createWorkspace({ name: "receiver" });
      const rc = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: recv.id,
        token: recv.token as string,
      });
      await rc.register({ agentCard: { name: "receiver" }, url: recvUrl });
      await rc.notify("echo of my own", {
        attachments: [{ uri: "workspace:/a.txt", name: "a.txt", mimeType: "text/plain" }],
      });
      for (const t of ["one", "two", "three"]) await client.callPeer(recv.id, t);
      const msgs = await fetchInbound(rc, { limit: 50 });
      expect(msgs.map((m) => m.text)).toEqual(["one", "two", "three"]);
      expect(msgs.every((m) => m.source === "peer_agent" && m.sourceId === self.id)).toBe(true);

      const page = await fetchActivity(rc, { limit: 50, sinceId: msgs[0]?.activityId });
      expect(page.cursorSupported).toBe(compat === "latest");
      expect(page.messages.map((m) => m.text)).toEqual(["two", "three"]);
      expect(page.nextCursor).toBe(msgs[2]?.activityId);

      // reply to the peer: arrives at `self` as an A2A message with role agent
      await rc.reply(msgs[2] as InboundMessage, "reply to three");
      const selfRows = emu.activity(self.id);
      const last = selfRows.at(-1) as {
        source_id?: string;
        request_body?: { params?: { message?: { role?: string; kind?: string } } };
      };
      expect(last.source_id).toBe(recv.id);
      expect(last.request_body?.params?.message).toMatchObject({ role: "agent", kind: "message" });

      // reply to a canvas user: a notify row
      const canvasMsg: InboundMessage = {
        ...(msgs[0] as InboundMessage),
        source: "canvas_user",
        sourceId: null,
      };
      await rc.reply(canvasMsg, "hi canvas");
      expect(emu.activity(recv.id).some((r) => r.method === "notify")).toBe(true);
      await expect(rc.reply(canvasMsg, "  ")).rejects.toThrow(/non-empty text/);
      await expect(rc.reply({ ...canvasMsg, source: "unknown" }, "x")).rejects.toThrow(/unknown/);
      await expect(rc.notify("x", { attachments: [{ uri: "", name: "n" }] })).rejects.toThrow(
        /attachment\[0\]/,
      );
      await rc.close();
    });

    it.runIf(compat === "latest")(
      "fetchInbound with a stale cursor raises CursorLostError on the newer contract",
      async () => {
        const err = await capture(
          fetchInbound(client, { sinceId: "00000000-0000-4000-8000-000000000999" }),
        );
        expect(isMoleculeError(err, "cursor_lost")).toBe(true);
      },
    );

    it("tokens: list, create, revoke, rotate (old token stops working)", async () => {
      const ws = await emu.admin.createWorkspace({ name: "rotator" });
      const store = new MemoryTokenStore(ws.token);
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, tokenStore: store });
      const listed = await c.listTokens();
      expect(listed).toHaveLength(1);
      expect(listed[0]?.prefix).toBe(ws.token?.slice(0, listed[0]?.prefix.length));
      const extra = await c.createToken();
      expect(inspect(extra)).not.toContain(extra.token);
      expect(await c.listTokens()).toHaveLength(2);
      const extraId = (await c.listTokens()).find(
        (t) => extra.token.startsWith(t.prefix) && !ws.token?.startsWith(t.prefix),
      )?.id;
      await c.revokeToken(extraId as string);
      expect(await capture(c.revokeToken(extraId as string))).toBeInstanceOf(MoleculeNotFoundError);

      const { revokedTokenId } = await c.rotateToken();
      expect(revokedTokenId).toBe(listed[0]?.id);
      const fresh = await store.load();
      expect(fresh).not.toBe(ws.token);
      await c.heartbeat();
      expect((await c.getState()).status).toBe("online");
      const old = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token as string,
      });
      expect(await capture(old.pullSecrets())).toBeInstanceOf(MoleculeAuthError);
      await old.close();
      await c.close();
    });

    it("paused and removed workspaces: getState, heartbeat, getWorkspace", async () => {
      const ws = await emu.admin.createWorkspace({ name: "doomed" });
      const c = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token as string,
      });
      await c.register({ agentCard: CARD, url: compat === "latest" ? undefined : peer.url });
      await emu.admin.pause(ws.id);
      expect(await c.getState()).toMatchObject({ paused: true, removed: false });
      await emu.admin.deleteWorkspace(ws.id);
      expect(await c.getState()).toEqual({ status: "removed", paused: false, removed: true });
      expect(await capture(c.getWorkspace())).toBeInstanceOf(WorkspaceRemovedError);
      // The May server answered 401 (mapped to removed); August, like the baseline, answers 200
      // (platform-api.md §3.5, platform-2026-08.md): getState is what says removed.
      expect(await capture(c.heartbeat())).toBeUndefined();
      await c.close();
    });

    it.runIf(compat === "latest")("event stream opens with credentials and closes", async () => {
      const caps = await client.capabilities();
      expect(caps.eventStream).toBe(true);
      const stream = await client.openEventStream();
      const first = await new Promise<string>((resolve) =>
        stream.body.once("data", (d: Buffer) => resolve(d.toString())),
      );
      expect(first.length).toBeGreaterThan(0);
      stream.close();
    });

    it("never leaks the token into logs, errors or inspect output", () => {
      expect(logs.length).toBeGreaterThan(10);
      const haystack = [
        ...logs,
        ...errors.map(
          (e) =>
            `${String(e)} ${(e as Error).stack ?? ""} ${inspect(e, { depth: 8 })} ${JSON.stringify((e as MoleculeError).body ?? null)}`,
        ),
        inspect(client, { depth: 8, showHidden: true }),
        JSON.stringify(client),
      ].join("\n");
      expect(errors.length).toBeGreaterThan(5);
      expect(haystack).not.toContain(self.token);
    });
  },
);

describe("AdminClient against the emulator", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  it("creates an external workspace, sets secrets, pauses/resumes, deletes", async () => {
    const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
    expect(inspect(admin)).not.toContain(emu.adminToken);
    const ws = await admin.createExternalWorkspace({ name: "ext", role: "sre" });
    expect(ws.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inspect(ws)).not.toContain(ws.token as string);
    expect(JSON.stringify(ws.raw)).not.toContain(ws.token as string);
    const row = await admin.getWorkspace(ws.id);
    expect(row.runtime).toBe("external");
    // August: an admin secret write waits for a person's approval, then is written again.
    const pending = await admin.setSecrets(ws.id, { K: "v" });
    expect(pending.awaitingApproval.map((a) => a.key)).toEqual(["K"]);
    await admin.decideApproval(ws.id, pending.awaitingApproval[0]!.approvalId, "approved");
    expect((await admin.setSecrets(ws.id, { K: "v" })).stored).toEqual(["K"]);
    const c = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token as string,
    });
    expect(await c.pullSecrets()).toEqual({ K: "v" });
    await admin.pause(ws.id);
    expect((await c.getState()).paused).toBe(true);
    // resume needs a provisioner on the real platform; either outcome must be typed
    const resumed = await admin.resume(ws.id).then(
      () => "ok",
      (e: unknown) => (e instanceof MoleculeError ? "typed" : "untyped"),
    );
    expect(["ok", "typed"]).toContain(resumed);
    await admin.deleteWorkspace(ws.id, { confirm: true });
    expect((await admin.getWorkspace(ws.id)).status).toBe("removed");
    const bad = new AdminClient({
      platformUrl: emu.url,
      adminToken: "not-the-admin-token-xxxxxxxx",
    });
    await expect(bad.createExternalWorkspace({ name: "x" })).rejects.toBeInstanceOf(
      MoleculeAuthError,
    );
    await c.close();
    await admin.close();
    await bad.close();
  });
});
