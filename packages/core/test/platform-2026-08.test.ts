// The SDK's paths on the August-2026 platform (the emulator's `2026-08` contract, which replays
// conformance/real-server-2026-08*.json): memory v2, admin secret writes that wait for a person,
// deletes that need the workspace's name, workspaces placed under the seeded concierge, and pushes
// that must carry the platform's bearer. Each path is also run on 2026-04 where it differs.
import { randomUUID } from "node:crypto";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { rpc, waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import { memoryStore, PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function emulator(
  compat: "2026-04" | "2026-08",
  extra: { memoryPlugin?: boolean } = {},
): Promise<{ emu: Emulator; admin: AdminClient }> {
  const emu = await startEmulator({ compat, ...extra });
  cleanups.push(() => emu.close());
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(() => admin.close());
  return { emu, admin };
}

function clientOf(emu: Emulator, id: string, token: string): PlatformClient {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: id, token });
  cleanups.push(() => client.close());
  return client;
}

/** A workspace made with the SDK's AdminClient, and its client. */
async function workspace(emu: Emulator, admin: AdminClient, name: string, parentId?: string) {
  const created = await admin.createExternalWorkspace({
    name,
    ...(parentId !== undefined ? { parentId } : {}),
  });
  return { created, client: clientOf(emu, created.id, created.token!) };
}

describe("createExternalWorkspace says where the workspace landed", () => {
  it("2026-08: without parentId, under the seeded Org Concierge (not a root)", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { created } = await workspace(emu, admin, "lone");
    expect(created.parentId).not.toBeNull();
    const parent = await admin.getWorkspace(created.parentId!);
    expect(parent.name).toBe("Org Concierge");
    const child = await workspace(emu, admin, "child", created.id);
    expect(child.created.parentId).toBe(created.id);
  });

  it("2026-04: without parentId, at the top level (parentId null)", async () => {
    const { emu, admin } = await emulator("2026-04");
    const { created } = await workspace(emu, admin, "lone");
    expect(created.parentId).toBeNull();
  });
});

describe("memories on memory v2 (2026-08)", () => {
  it("commit, search by scope and query, delete: through the v2 routes", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { client } = await workspace(emu, admin, "rememberer");
    const a = await client.commitMemory({ content: "the launch code word is marmalade" });
    await client.commitMemory({ content: "tea is served at four", scope: "TEAM" });

    const local = await client.searchMemories({ scope: "LOCAL" });
    expect(local.map((m) => m.content)).toEqual(["the launch code word is marmalade"]);
    expect(local[0]).toMatchObject({
      id: a.id,
      scope: "LOCAL",
      fromPeer: false,
      workspaceId: client.workspaceId,
      namespace: `workspace:${client.workspaceId}`,
    });
    // TEAM rows name no writer on memory v2: never claimed as this workspace's own.
    const team = await client.searchMemories({ scope: "TEAM" });
    expect(team.map((m) => [m.content, m.fromPeer, m.workspaceId])).toEqual([
      ["tea is served at four", true, undefined],
    ]);
    expect((await client.searchMemories({ q: "marmalade" })).map((m) => m.id)).toEqual([a.id]);
    expect(await client.searchMemories({ q: "nothing-like-this" })).toEqual([]);

    await client.deleteMemory(a.id);
    expect(await client.searchMemories({ scope: "LOCAL" })).toEqual([]);
    await expect(client.deleteMemory(a.id)).rejects.toMatchObject({ code: "memory_not_found" });
  });

  it("GLOBAL from a workspace under the concierge is a typed 403", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { client } = await workspace(emu, admin, "not-a-root");
    await expect(client.commitMemory({ content: "x", scope: "GLOBAL" })).rejects.toMatchObject({
      code: "global_memory_forbidden",
    });
  });

  it("a platform without its memory plugin: a configuration error, not retryable", async () => {
    const { emu, admin } = await emulator("2026-08", { memoryPlugin: false });
    const { client } = await workspace(emu, admin, "no-plugin");
    for (const call of [
      () => client.searchMemories({}),
      () => client.commitMemory({ content: "x" }),
      () => client.deleteMemory(randomUUID()),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: "memory_not_configured",
        retryable: false,
        message: expect.stringContaining("MEMORY_PLUGIN_URL"),
      });
    }
  });
});

describe("admin secret writes and deletes (2026-08)", () => {
  it("setSecrets reports a write waiting for a person as pending, never as set; approved, it is stored", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { created, client } = await workspace(emu, admin, "secretive");
    const result = await admin.setSecrets(created.id, { API_KEY: "s3cr3t-value" });
    expect(result.stored).toEqual([]);
    expect(result.awaitingApproval).toEqual([{ key: "API_KEY", approvalId: expect.any(String) }]);
    expect(await client.pullSecrets()).toEqual({});

    await admin.decideApproval(created.id, result.awaitingApproval[0]!.approvalId, "approved");
    const again = await admin.setSecrets(created.id, { API_KEY: "s3cr3t-value" });
    expect(again).toEqual({ stored: ["API_KEY"], awaitingApproval: [] });
    expect(await client.pullSecrets()).toEqual({ API_KEY: "s3cr3t-value" });
  });

  it("2026-04: every key stored at once", async () => {
    const { emu, admin } = await emulator("2026-04");
    const { created } = await workspace(emu, admin, "secretive");
    expect(await admin.setSecrets(created.id, { A: "1", B: "2" })).toEqual({
      stored: ["A", "B"],
      awaitingApproval: [],
    });
  });

  it("deleteWorkspace needs the caller's confirmation, then sends the name the server asks for", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { created } = await workspace(emu, admin, "doomed");
    await expect(admin.deleteWorkspace(created.id)).rejects.toMatchObject({
      code: "confirmation_required",
      message: expect.stringContaining("confirm: true"),
    });
    await admin.deleteWorkspace(created.id, { confirm: true });
    const after = await admin.getWorkspace(created.id);
    expect(after.status).toBe("removed");
  });
});

describe("pushes carry the platform's bearer (2026-08)", () => {
  it("a peer's call through the proxy is answered; a direct POST without the bearer, or with another, is refused unread", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { client } = await workspace(emu, admin, "pushed");
    const peer = await workspace(emu, admin, "caller");
    const handled: string[] = [];
    const agent = new RemoteAgent({
      client,
      store: memoryStore(),
      delivery: "push",
      handler: (m: InboundMessage) => {
        handled.push(m.text);
        return `echo: ${m.text}`;
      },
      logger: {},
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor(() => client.files.signsPushes);
    expect(client.files.inboundSecret).toBeTruthy();

    const answer = await peer.client.callPeer(client.workspaceId, "through the platform");
    expect(JSON.stringify(answer)).toContain("echo: through the platform");

    const url = agent.pushUrl!;
    const send = (authorization?: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "message/send",
          params: {
            message: {
              kind: "message",
              role: "user",
              messageId: randomUUID(),
              parts: [{ kind: "text", text: "forged" }],
            },
          },
        }),
      });
    for (const auth of [undefined, "Bearer not-the-secret", `Bearer ${peer.created.token}`]) {
      const res = await send(auth);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(client.files.inboundSecret!);
    }
    expect(handled).toEqual(["through the platform"]);
    // The platform's own bearer is accepted (what the proxy sends).
    const ok = await send(`Bearer ${client.files.inboundSecret}`);
    expect(ok.status).toBe(200);
    await waitFor(() => handled.length === 2);
  });

  it("requirePlatformBearer: false keeps the path secret as the only check", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { client } = await workspace(emu, admin, "lenient");
    const agent = new RemoteAgent({
      client,
      store: memoryStore(),
      delivery: { mode: "push", requirePlatformBearer: false },
      handler: () => "ok",
      logger: {},
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor(() => client.files.signsPushes);
    const body = await rpc(agent.pushUrl!, "message/send", {
      message: { kind: "message", role: "user", messageId: randomUUID(), parts: [] },
    });
    expect(body.error?.code ?? 0).not.toBe(401);
  });
});

describe("errors that point the right way", () => {
  it.each(["2026-04", "2026-08"] as const)(
    "%s: a path after the platform's host says to fix MOLECULE_PLATFORM_URL, not 'found nothing'",
    async (compat) => {
      const { emu, admin } = await emulator(compat);
      const { created } = await workspace(emu, admin, "misplaced");
      const client = new PlatformClient({
        platformUrl: `${emu.url}/api`,
        workspaceId: created.id,
        token: created.token!,
      });
      cleanups.push(() => client.close());
      await expect(client.getState()).rejects.toMatchObject({
        message: expect.stringContaining("MOLECULE_PLATFORM_URL"),
      });
    },
  );
});

describe("typed answers of the August-2026 platform", () => {
  it("notify with messages to the canvas turned off: talk_to_user_disabled, not retryable", async () => {
    const { emu, admin } = await emulator("2026-08");
    const { created, client } = await workspace(emu, admin, "muted");
    await client.notify("hello, canvas");
    const res = await fetch(`${emu.url}/workspaces/${created.id}/abilities`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ talk_to_user_enabled: false }),
    });
    expect(res.status).toBe(200);
    await expect(client.notify("hello again")).rejects.toMatchObject({
      code: "talk_to_user_disabled",
      retryable: false,
      status: 403,
    });
  });
});

describe("inbound rows name their sender from the platform (2026-08, ?include=peer_info)", () => {
  it("a polled message carries the caller's registry name without a peer listing", async () => {
    const { emu, admin } = await emulator("2026-08");
    const inbox = await admin.createExternalWorkspace({ name: "inbox", deliveryMode: "poll" });
    const sender = await workspace(emu, admin, "the-sender", inbox.parentId!);
    const client = clientOf(emu, inbox.id, inbox.token!);
    await sender.client.callPeer(inbox.id, "hi");
    const page = await client.fetchActivityRows({ sinceSecs: 60 });
    const row = page.rows.find((r) => r.source_id === sender.created.id);
    expect(row?.["peer_name"]).toBe("the-sender");
  });
});

/**
 * A poll agent on the August emulator whose acknowledgements are recorded (the seq of each, when
 * it was sent), and a sender in its organisation.
 */
async function ackingAgent() {
  const { emu, admin } = await emulator("2026-08");
  const inbox = await admin.createExternalWorkspace({ name: "acker", deliveryMode: "poll" });
  const sender = await workspace(emu, admin, "sender", inbox.parentId!);
  const client = clientOf(emu, inbox.id, inbox.token!);
  const acks: number[] = [];
  const sentAt: number[] = [];
  const ackActivity = client.ackActivity.bind(client);
  client.ackActivity = async (seq, opts) => {
    sentAt.push(performance.now());
    const supported = await ackActivity(seq, opts);
    acks.push(seq);
    return supported;
  };
  const handled: string[] = [];
  const agent = new RemoteAgent({
    client,
    store: memoryStore(),
    delivery: "poll",
    handler: (m: InboundMessage) => void handled.push(m.text),
    logger: {},
    // Every message read from its row: one taken from the event stream is acknowledged when a
    // later read passes its row (at the safety net's read at the latest), not at once.
    eventWakeups: false,
    pollIntervalMs: 100,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  /** The seq of the inbox's last row. */
  const lastSeq = async (): Promise<number> =>
    (await client.fetchActivityRows({ sinceSecs: 60 })).rows.at(-1)?.seq as number;
  return { emu, inbox, sender, acks, sentAt, handled, lastSeq };
}

describe("settled activity is acknowledged (2026-08, POST /activity/ack)", () => {
  it("a poll agent acknowledges up to the seq of the last row its cursor passed", async () => {
    const { emu, inbox, sender, acks, handled, lastSeq } = await ackingAgent();
    for (const text of ["one", "two", "three"]) await sender.client.callPeer(inbox.id, text);
    await waitFor(() => handled.length === 3);
    const last = await lastSeq();
    expect(typeof last).toBe("number");
    await waitFor(() => acks.at(-1) === last);
    // The platform holds it: a lower acknowledgement answers the stored one.
    const res = await fetch(`${emu.url}/workspaces/${inbox.id}/activity/ack`, {
      method: "POST",
      headers: { authorization: `Bearer ${inbox.token}`, "content-type": "application/json" },
      body: JSON.stringify({ acked_seq: 0 }),
    });
    expect(await res.json()).toEqual({ last_acked_seq: last });
  });

  it("a busy agent acknowledges at most once a second, the newest seq last", async () => {
    const { inbox, sender, acks, sentAt, handled, lastSeq } = await ackingAgent();
    // Settled one by one: without the interval, each settle would send its own acknowledgement.
    for (let i = 0; i < 12; i++) {
      await sender.client.callPeer(inbox.id, `m${i}`);
      await waitFor(() => handled.length === i + 1);
    }
    const last = await lastSeq();
    await waitFor(() => acks.at(-1) === last);
    for (let i = 1; i < sentAt.length; i++) {
      expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(999);
    }
  });

  it("2026-04: the route is missing: ackActivity answers false", async () => {
    const { emu, admin } = await emulator("2026-04");
    const { client } = await workspace(emu, admin, "old");
    expect(await client.ackActivity(1)).toBe(false);
  });
});

describe("a credential rotation is named as such (2026-08, EXTERNAL_CREDENTIALS_ROTATED)", () => {
  it("the agent that reads the event ends saying its credentials were rotated, not merely revoked", async () => {
    const { emu, admin } = await emulator("2026-08");
    const created = await admin.createExternalWorkspace({ name: "rotated", deliveryMode: "poll" });
    const client = clientOf(emu, created.id, created.token!);
    const warnings: string[] = [];
    const agent = new RemoteAgent({
      client,
      store: memoryStore(),
      delivery: "poll",
      handler: () => undefined,
      heartbeatIntervalMs: 50,
      maxUnauthorized: 2,
      logger: { warn: (m: string) => void warnings.push(m) },
    });
    cleanups.push(() => agent.stop());
    // start() leaves the event stream of its capability probe open for the agent to read: the
    // platform's rotation event reaches it whenever the agent gets to it.
    await agent.start();
    await admin.rotateExternalCredentials(created.id);
    const done = await agent.done;
    expect(done.reason).toBe("unauthorized");
    expect(String((done.error as Error).message)).toContain("an operator rotated its credentials");
    expect(warnings.some((w) => w.includes("rotated this workspace's credentials"))).toBe(true);
  });
});

describe("uploads up to the platform's own limit", () => {
  it("2026-08: 100 MB per file and per request (GET /uploads/limits); a 30 MiB file goes up", async () => {
    const { emu, admin } = await emulator("2026-08");
    const created = await admin.createExternalWorkspace({ name: "uploader", deliveryMode: "poll" });
    const client = clientOf(emu, created.id, created.token!);
    expect(await client.files.limits()).toEqual({
      perFileBytes: 100 * 1024 * 1024,
      perRequestBytes: 100 * 1024 * 1024,
    });
    const big = new Uint8Array(30 * 1024 * 1024);
    const [ref] = await client.files.upload([{ name: "big.bin", data: big }]);
    expect(ref).toMatchObject({ name: "big.bin", size: big.length });
  });

  it("2026-04: no limits route: 25 MiB a file, refused before anything is sent", async () => {
    const { emu, admin } = await emulator("2026-04");
    const { client } = await workspace(emu, admin, "old-uploader");
    expect(await client.files.limits()).toEqual({
      perFileBytes: 25 * 1024 * 1024,
      perRequestBytes: 50 * 1024 * 1024,
    });
    await expect(
      client.files.upload([{ name: "big.bin", data: new Uint8Array(30 * 1024 * 1024) }]),
    ).rejects.toMatchObject({ code: "file_too_large" });
  });
});
