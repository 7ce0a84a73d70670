// Approvals a person can trust (#46), as attacks over real HTTP against the emulator: a tool input
// too long to show whole is refused (never cut), a decision binds to the digest of exactly what
// was asked, a decision answers one request only (no 503, retry or adoption path returns an
// earlier one), and waiting again after a timeout waits on the same request. Issue 59: what the
// person sees shows every invisible, bidirectional and line-separating character as an escape
// (and look-alike keys as such), and an identical request made while one is pending gets its own
// request, so one decision never runs two calls.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HIDDEN_CHARACTERS, HIDDEN_KEYS_SHOWN, hiddenToolInput } from "@internal/test-utils";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApprovalTimeoutError,
  ApprovalTooLongError,
  ApprovalWaiter,
  toolCallApproval,
  toolCallDigest,
} from "../src/public/org.js";
import { AdminClient, PlatformClient } from "../src/platform/index.js";
import { RemoteAgent } from "../src/agent/index.js";

let emu: Emulator;
let admin: AdminClient;
let dir: string;
const clients: PlatformClient[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "approval-trust-"));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await admin?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

async function workspace(name: string): Promise<PlatformClient> {
  const ws = await emu.admin.createWorkspace({ name });
  const c = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: ws.id,
    token: ws.token as string,
  });
  clients.push(c);
  return c;
}

/** The pending request of `client`'s workspace that is not in `seen`, once the platform lists it. */
async function nextPending(client: PlatformClient, seen: readonly string[] = []) {
  for (;;) {
    const row = (await client.listApprovals()).find(
      (r) => r.status === "pending" && !seen.includes(r.id),
    );
    if (row) return row;
    await new Promise((r) => setImmediate(r));
  }
}

/** The attack's input: 2,246 characters whose dangerous argument comes after character 2,000. */
function paddedInput(): { command: string } {
  const tail = " --no-preserve-root -rf /";
  const command = `echo ${"a".repeat(2_246 - 14 - 5 - 4 - tail.length)}; rm${tail}`;
  return { command };
}

describe("what the person sees is everything that will run", () => {
  it("a 2,246-character input hiding its argument after character 2,000 is refused, nothing sent", async () => {
    const c = await workspace("blind");
    const input = paddedInput();
    expect(JSON.stringify(input).length).toBe(2_246);
    expect(JSON.stringify(input).indexOf("--no-preserve-root")).toBeGreaterThan(2_000);
    const err = (() => {
      try {
        toolCallApproval("shell", input);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApprovalTooLongError);
    expect(err).toMatchObject({ code: "approval_too_long", retryable: false });
    expect((err as Error).message).not.toContain("\n");
    expect((err as Error).message).toMatch(/the call was not run/);
    // Even text an app writes itself is never cut: refused before it is sent.
    const waiter = new ApprovalWaiter({ client: c, file: false });
    await expect(waiter.request({ action: `run ${JSON.stringify(input)}` })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(await c.listApprovals()).toEqual([]);
  });

  it("a request shows the complete input and the digest it binds to; the decision carries it", async () => {
    const c = await workspace("whole");
    const input = { path: "/tmp/x", mode: "rw", n: [1, 2] };
    const req = toolCallApproval("write_file", input, { reason: "the user asked" });
    expect(req.digest).toBe(
      toolCallDigest("write_file", { n: [1, 2], mode: "rw", path: "/tmp/x" }),
    );
    const waiter = new ApprovalWaiter({ client: c, file: false });
    const waiting = waiter.request(req, { pollIntervalMs: 20 });
    const row = await nextPending(c);
    expect(row.action).toBe(
      'run tool write_file with input {"mode":"rw","n":[1,2],"path":"/tmp/x"}',
    );
    expect(row.reason).toMatch(
      new RegExp(`^the user asked\\n\\[approval [0-9a-f]{16} sha256:${req.digest}\\]$`),
    );
    const shown = (await admin.listPendingApprovals()).find((a) => a.id === row.id)!;
    expect(shown.action).toBe(row.action);
    await admin.decideApproval(c.workspaceId, row.id, "approved");
    await expect(waiting).resolves.toMatchObject({ approved: true, digest: req.digest });
    // Waiting on the row alone reads the digest back from what the person saw.
    await expect(waiter.wait(row.id, { pollIntervalMs: 20 })).resolves.toMatchObject({
      digest: req.digest,
    });
  });
});

describe("a decision answers one request only", () => {
  it("approved once; asked again while the create answers 503; asked a third time: not approved without a new decision", async () => {
    const c = await workspace("reuse");
    const waiter = new ApprovalWaiter({ client: c, file: join(dir, "reuse.json") });
    const input = { action: "transfer 10 EUR", taskId: "t-1", reason: "refund" };
    // 1. A person approves the first request.
    const first = waiter.request(input, { pollIntervalMs: 20 });
    const row1 = await nextPending(c);
    await admin.decideApproval(c.workspaceId, row1.id, "approved", { decidedBy: "erin" });
    await expect(first).resolves.toMatchObject({ approvalId: row1.id, approved: true });
    // 2. The same words again; the platform answers the create with 503.
    const unfault = emu.injectFault({
      method: "POST",
      path: `/workspaces/${c.workspaceId}/approvals`,
      status: 503,
      count: 100,
    });
    await expect(waiter.request(input, { pollIntervalMs: 20 })).rejects.toMatchObject({
      status: 503,
    });
    unfault();
    // 3. A third time: a new request is opened, and only its own decision answers it.
    let settled: unknown;
    const third = waiter.request(input, { pollIntervalMs: 20 }).then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    const row3 = await Promise.race([
      nextPending(c, [row1.id]),
      third.then(() => {
        throw new Error(`answered without a new decision: ${JSON.stringify(settled)}`);
      }),
    ]);
    expect(row3.id).not.toBe(row1.id);
    await admin.decideApproval(c.workspaceId, row3.id, "denied");
    await third;
    expect(settled).toMatchObject({ approvalId: row3.id, approved: false, decision: "denied" });
  });

  it("a pending request is not resumed by a call whose input differs (same key)", async () => {
    const c = await workspace("differ");
    const waiter = new ApprovalWaiter({ client: c, file: join(dir, "differ.json") });
    const key = "tool-call-1";
    const stop = new AbortController();
    const asked = waiter.request(toolCallApproval("shell", { command: "ls /tmp" }), {
      key,
      pollIntervalMs: 20,
      signal: stop.signal,
    });
    const row1 = await nextPending(c);
    stop.abort(new Error("restarting"));
    await expect(asked).rejects.toThrow("restarting");
    await admin.decideApproval(c.workspaceId, row1.id, "approved");
    // The same key with another input: the approval of `ls /tmp` does not run `rm -rf /`.
    let settled: unknown;
    const other = toolCallApproval("shell", { command: "rm -rf /" });
    const second = waiter.request(other, { key, pollIntervalMs: 20 }).then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    const row2 = await Promise.race([
      nextPending(c, [row1.id]),
      second.then(() => {
        throw new Error(`answered by the earlier decision: ${JSON.stringify(settled)}`);
      }),
    ]);
    expect(row2.action).toBe('run tool shell with input {"command":"rm -rf /"}');
    await admin.decideApproval(c.workspaceId, row2.id, "denied");
    await second;
    expect(settled).toMatchObject({ approvalId: row2.id, approved: false, digest: other.digest });
  });

  it("after a timeout, asking again waits on the same pending request (as the error says)", async () => {
    const c = await workspace("timeout");
    const waiter = new ApprovalWaiter({ client: c, file: false });
    const input = { action: "restart prod" };
    const err = await waiter
      .request(input, { timeoutMs: 50, pollIntervalMs: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalTimeoutError);
    const { approvalId } = err as ApprovalTimeoutError;
    expect((err as Error).message).toContain("ask again with the same input");
    expect((err as Error).message).toContain(`ApprovalWaiter.wait("${approvalId}")`);
    const again = waiter.request(input, { pollIntervalMs: 20 });
    await admin.decideApproval(c.workspaceId, approvalId, "approved");
    await expect(again).resolves.toMatchObject({ approvalId, approved: true });
    expect((await c.listApprovals()).filter((a) => a.action === "restart prod")).toHaveLength(1);
  });
});

describe("what the person sees shows every hidden character (issue 59)", () => {
  it("a tool input carrying U+202E, U+2066-2069, U+2028/2029, U+200B, U+2060, U+00AD, U+FEFF reaches the person with each as an escape; look-alike keys show as such; the decision binds the exact input", async () => {
    const c = await workspace("hidden");
    const input = hiddenToolInput();
    const req = toolCallApproval("shell", input);
    const waiter = new ApprovalWaiter({ client: c, file: false });
    const waiting = waiter.request(req, { pollIntervalMs: 20 });
    const row = await nextPending(c);
    const shown = (await admin.listPendingApprovals()).find((a) => a.id === row.id)!;
    for (const text of [row.action, shown.action]) {
      for (const [raw, escape] of Object.entries(HIDDEN_CHARACTERS)) {
        expect(text).not.toContain(raw);
        expect(text).toContain(escape);
      }
      for (const key of HIDDEN_KEYS_SHOWN) expect(text).toContain(key);
      // Still JSON: read back, it is exactly the input that runs.
      expect(JSON.parse(text.slice("run tool shell with input ".length))).toEqual(input);
    }
    await admin.decideApproval(c.workspaceId, row.id, "approved");
    await expect(waiting).resolves.toMatchObject({
      approved: true,
      digest: toolCallDigest("shell", input),
    });
  });

  it("free text (requestApproval's action and reason) shows them as escapes too", async () => {
    const c = await workspace("hidden-text");
    const waiter = new ApprovalWaiter({ client: c, file: false });
    const waiting = waiter.request(
      { action: "deploy \u202eorp\u202c", reason: `line one\nline two\u2028\u200bhidden` },
      { pollIntervalMs: 20 },
    );
    const row = await nextPending(c);
    expect(row.action).toBe("deploy \\u202Eorp\\u202C");
    expect(row.reason).toMatch(/^line one\nline two\\u2028\\u200Bhidden\n\[approval /);
    await admin.decideApproval(c.workspaceId, row.id, "denied");
    await expect(waiting).resolves.toMatchObject({ approved: false });
  });
});

describe("one decision, one run (issue 59)", () => {
  it("an identical request made while the first is pending gets its own request: one approval runs one call", async () => {
    const c = await workspace("twice");
    const agent = new RemoteAgent({ client: c, handler: () => undefined, logger: {} });
    await agent.start();
    try {
      const req = toolCallApproval("shell", { command: "deploy" });
      const first = agent.requestApproval(req, { file: false, pollIntervalMs: 20 });
      const row1 = await nextPending(c);
      // A second, identical call a moment later (the peer asked twice).
      let secondResult: unknown;
      const second = agent
        .requestApproval(req, { file: false, pollIntervalMs: 20 })
        .then((r) => (secondResult = r));
      const row2 = await nextPending(c, [row1.id]);
      expect(row2.id).not.toBe(row1.id);
      await admin.decideApproval(c.workspaceId, row1.id, "approved");
      await expect(first).resolves.toMatchObject({ approvalId: row1.id, approved: true });
      // The one "yes" did not approve the second call: it waits for its own decision.
      expect(secondResult).toBeUndefined();
      expect((await c.listApprovals()).find((r) => r.id === row2.id)?.status).toBe("pending");
      await admin.decideApproval(c.workspaceId, row2.id, "denied");
      await second;
      expect(secondResult).toMatchObject({ approvalId: row2.id, approved: false });
    } finally {
      await agent.stop();
    }
  });

  it("calls that pass the same key join one request and share its decision", async () => {
    const c = await workspace("join");
    const waiter = new ApprovalWaiter({ client: c, file: false });
    const input = { action: "rotate the key" };
    const a = waiter.request(input, { key: "rotation", pollIntervalMs: 20 });
    const row = await nextPending(c);
    const b = waiter.request(input, { key: "rotation", pollIntervalMs: 20 });
    await admin.decideApproval(c.workspaceId, row.id, "approved");
    await expect(a).resolves.toMatchObject({ approvalId: row.id, approved: true });
    await expect(b).resolves.toMatchObject({ approvalId: row.id, approved: true });
    expect(await c.listApprovals()).toHaveLength(1);
  });
});
