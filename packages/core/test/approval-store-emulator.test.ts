// Approval requests kept in the agent's store (issue #81), over real HTTP against the emulator: an
// agent restarted on the same store with another state folder (its approvals file elsewhere, as a
// container without a shared volume) resumes the request it waited on instead of opening a
// second one, and sees its one decision; a request for another input is not resumed. The
// PostgreSQL store's replicas are tested in @molecule-ai/postgres (approvals-replicas.test.ts).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminClient, PlatformClient } from "../src/platform/index.js";
import { RemoteAgent } from "../src/agent/index.js";
import { fileStore, memoryStore } from "../src/store/index.js";
import type { AgentStore } from "../src/store/index.js";
import { ApprovalWaiter, PENDING_APPROVALS_KEPT } from "../src/public/org.js";

let emu: Emulator;
let admin: AdminClient;
let dir: string;
const clients: PlatformClient[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "approval-store-"));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await admin?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

async function workspace(name: string): Promise<PlatformClient> {
  const ws = await emu.admin.createWorkspace({ name });
  const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  clients.push(c);
  return c;
}

/** The workspace's requests once the platform lists `n` of them. */
async function requests(client: PlatformClient, n: number) {
  for (;;) {
    const rows = await client.listApprovals();
    if (rows.length >= n) return rows;
    await new Promise((r) => setImmediate(r));
  }
}

/** An agent (not started) on `store`. */
function agentOn(client: PlatformClient, store: AgentStore): RemoteAgent<PlatformClient> {
  return new RemoteAgent({ client, store, handler: () => "ok", delivery: "none" });
}

const MIGRATE = { action: "migrate the billing db", reason: "schema v7", taskId: "t-1" };

/**
 * The first agent asks and its wait ends (aborted: its process restarted); a second agent on
 * `second` (the same store reopened) with another approvals file asks the same with the same key.
 */
async function restartOn(name: string, first: AgentStore, second: () => AgentStore) {
  const client = await workspace(name);
  const stop = new AbortController();
  const asked = agentOn(client, first)
    .requestApproval(MIGRATE, {
      key: "call-1",
      pollIntervalMs: 50,
      signal: stop.signal,
      file: join(dir, name, "a", "approvals.json"),
    })
    .catch((err: unknown) => err);
  const [opened] = await requests(client, 1);
  // Its id is in the store once the agent saved it (a kill before that is the adoption path).
  const store = first.pendingApprovalsFor!(client.workspaceId);
  while ((await store.get("call-1"))?.approvalId !== opened!.id)
    await new Promise((r) => setImmediate(r));
  stop.abort(new Error("restarted"));
  expect(await asked).toMatchObject({ message: "restarted" });
  const again = agentOn(client, second()).requestApproval(MIGRATE, {
    key: "call-1",
    pollIntervalMs: 50,
    file: join(dir, name, "b", "approvals.json"),
  });
  return { client, opened: opened!, again };
}

describe("approval requests in the agent's store", () => {
  it("fileStore: an agent restarted with another approvals file resumes the same request", async () => {
    const path = join(dir, "file-store", "cursor");
    const { client, opened, again } = await restartOn(
      "file-store",
      fileStore(path),
      () => fileStore(path), // a new process on the same store
    );
    // The second agent waits on the first request: one request on the canvas.
    await admin.decideApproval(client.workspaceId, opened.id, "approved", { decidedBy: "erin" });
    expect(await again).toMatchObject({ approvalId: opened.id, approved: true, decidedBy: "erin" });
    expect(await client.listApprovals()).toHaveLength(1);
    // Answered: forgotten, in the store's file beside the state (no approvals file was written).
    const saved = JSON.parse(await readFile(`${path}.approvals.json`, "utf8")) as {
      pending: object;
    };
    expect(saved.pending).toEqual({});
    await expect(readFile(join(dir, "file-store", "b", "approvals.json"))).rejects.toThrow(
      "ENOENT",
    );
  });

  it("memoryStore: a new agent on the same store object resumes the same request", async () => {
    const store = memoryStore();
    const { client, opened, again } = await restartOn("memory-store", store, () => store);
    await admin.decideApproval(client.workspaceId, opened.id, "denied", { decidedBy: "erin" });
    expect(await again).toMatchObject({ approvalId: opened.id, approved: false });
    expect(await client.listApprovals()).toHaveLength(1);
  });

  it("a request for another input under the same key is not resumed: a new one is opened", async () => {
    const path = join(dir, "other-digest", "cursor");
    const client = await workspace("other-digest");
    const stop = new AbortController();
    const first = agentOn(client, fileStore(path))
      .requestApproval(MIGRATE, { key: "call-1", pollIntervalMs: 50, signal: stop.signal })
      .catch(() => undefined);
    const [opened] = await requests(client, 1);
    const kept = fileStore(path).pendingApprovalsFor!(client.workspaceId);
    while ((await kept.get("call-1"))?.approvalId !== opened!.id)
      await new Promise((r) => setImmediate(r));
    stop.abort();
    await first;
    const other = { ...MIGRATE, action: "drop the billing db" };
    const again = agentOn(client, fileStore(path)).requestApproval(other, {
      key: "call-1",
      pollIntervalMs: 50,
    });
    const rows = await requests(client, 2);
    const second = rows.find((r) => r.id !== opened!.id)!;
    expect(second.action).toBe("drop the billing db");
    await admin.decideApproval(client.workspaceId, second.id, "approved", { decidedBy: "erin" });
    expect(await again).toMatchObject({ approvalId: second.id, approved: true });
    // The first request is still pending on the platform, never answered for the second input.
    expect((await client.listApprovals()).find((r) => r.id === opened!.id)?.status).toBe("pending");
  });

  it("a call without a key keeps its request in the approvals file, not in the store", async () => {
    const path = join(dir, "no-key", "cursor");
    const file = join(dir, "no-key", "a", "approvals.json");
    const client = await workspace("no-key");
    const store = fileStore(path);
    const stop = new AbortController();
    const asked = agentOn(client, store)
      .requestApproval(MIGRATE, { pollIntervalMs: 50, signal: stop.signal, file })
      .catch(() => undefined);
    const [opened] = await requests(client, 1);
    const waiter = new ApprovalWaiter({
      client,
      file,
      store: store.pendingApprovalsFor!(client.workspaceId),
    });
    while (!(await waiter.pending()).some((p) => p.approvalId === opened!.id))
      await new Promise((r) => setImmediate(r));
    expect(await store.pendingApprovalsFor!(client.workspaceId).list()).toEqual([]);
    stop.abort();
    await asked;
  });

  it("a keyed request kept in the approvals file before the agent had a store is resumed, and moved to the store", async () => {
    const client = await workspace("upgrade");
    const file = join(dir, "upgrade", "approvals.json");
    const stop = new AbortController();
    const before = new ApprovalWaiter({ client, file });
    const asked = before
      .request(MIGRATE, { key: "call-1", pollIntervalMs: 50, signal: stop.signal })
      .catch(() => undefined);
    const [opened] = await requests(client, 1);
    while (!(await before.pending()).some((p) => p.approvalId === opened!.id))
      await new Promise((r) => setImmediate(r));
    stop.abort();
    await asked;
    // Upgraded: the same file, and now the agent's store.
    const store = memoryStore().pendingApprovalsFor!(client.workspaceId);
    const after = new ApprovalWaiter({ client, file, store });
    const again = after.request(MIGRATE, { key: "call-1", pollIntervalMs: 50 });
    let kept: string | null | undefined;
    while (!(kept = (await store.get("call-1"))?.approvalId))
      await new Promise((r) => setImmediate(r));
    expect(kept).toBe(opened!.id);
    // Moved: the file's record goes once the store holds it.
    const inFile = new ApprovalWaiter({ client, file });
    while ((await inFile.pending()).length > 0) await new Promise((r) => setImmediate(r));
    await admin.decideApproval(client.workspaceId, opened!.id, "approved", { decidedBy: "erin" });
    expect(await again).toMatchObject({ approvalId: opened!.id, approved: true });
    expect(await client.listApprovals()).toHaveLength(1);
    expect(await store.list()).toEqual([]);
  });

  it("the store keeps at most PENDING_APPROVALS_KEPT requests, the oldest go first", async () => {
    const store = memoryStore().pendingApprovalsFor!("ws-bound");
    for (let i = 0; i < PENDING_APPROVALS_KEPT + 5; i++)
      await store.put({ key: `k${i}`, approvalId: `a${i}`, action: "x", createdAt: "" });
    const kept = await store.list();
    expect(kept).toHaveLength(PENDING_APPROVALS_KEPT);
    expect(kept[0]!.key).toBe("k5");
    // A decision forgets only its own request.
    await store.delete("k5", "another-id");
    expect(await store.get("k5")).toBeDefined();
  });
});
