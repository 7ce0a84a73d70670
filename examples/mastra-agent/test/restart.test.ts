// Issue #81 with Mastra: the example agent (poll delivery, file store) is killed (SIGKILL) while
// its run is suspended on a refund a person must approve. Mastra's own storage (in memory) died
// with it; the run was kept in the agent's store, so the restarted agent, given the message again,
// resumes that run and waits on the same request (one in all). The decision made after the restart
// is taken once: approved, the refund runs once; denied, never; and the caller gets the answer.
// Killed again after the approved refund ran, before the answer, the next process does not run it
// again (the model reads why).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ALREADY_RUN } from "@molecule-ai/agent-core/org";
import { useEmulator, waitForReplies } from "@example/shared/testing";
import { pendingApprovalsOf, readLines } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/restart-child.mjs", import.meta.url));

const platform = useEmulator();
let admin: AdminClient;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  admin = new AdminClient({ platformUrl: platform.emu.url, adminToken: platform.emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "mastra-restart-"));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await admin?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the child; `line` resolves with the first stdout line a test accepts (now or later). */
function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const { lines: out, line } = readLines(child.stdout!);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, out, exited, line };
}

/** The pending requests of `workspaceId`, once there is one. */
const pendingOf = (workspaceId: string) =>
  pendingApprovalsOf(() => admin.listPendingApprovals(), workspaceId);

/** A writer workspace (poll), a caller that sent it a refund, and the children's environment. */
async function refundAsked(name: string, order: string) {
  const { emu } = platform;
  const writer = await emu.admin.createWorkspace({ name: `writer ${name}`, deliveryMode: "poll" });
  const callerWs = await emu.admin.createWorkspace({ name: `caller ${name}` });
  const caller = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: callerWs.id,
    token: callerWs.token!,
  });
  platform.defer(() => caller.close());
  await caller.register({ agentCard: { name: "caller" }, deliveryMode: "poll" });
  const env = {
    PLATFORM_URL: emu.url,
    WS_ID: writer.id,
    WS_TOKEN: writer.token!,
    STORE: join(dir, `store-${name}`),
    MOLECULE_STATE_DIR: join(dir, `state-${name}`),
  };
  const sent = await caller.callPeer(writer.id, `please refund order ${order}`, {
    messageId: randomUUID(),
  });
  expect(sent.status).toBe("queued");
  return { writer, caller, env };
}

/** The requests the workspace opened, with their status. */
async function requestsOf(writer: { id: string; token?: string | null }) {
  const client = new PlatformClient({
    platformUrl: platform.emu.url,
    workspaceId: writer.id,
    token: writer.token!,
  });
  const rows = await client.listApprovals();
  await client.close();
  return rows.map((r) => [r.id, r.status]);
}

/** Lines of the children's output that say the tool ran. */
const ranIn = (...outs: string[][]) => outs.flat().filter((l) => l.startsWith("refunded "));

describe("kill -9 while a Mastra run is suspended on a refund", () => {
  it.each([
    ["approved", "refunded K-approved"],
    ["denied", "Error: denied by dana; the call was not run"],
  ] as const)(
    "%s after the restart: the same request, the run resumed once, the caller answered",
    async (decision, told) => {
      const order = `K-${decision}`;
      const { writer, caller, env } = await refundAsked(decision, order);

      // 1. The run suspends, the person is asked; the process is killed while the request waits.
      const first = startChild(env);
      const [asked] = await pendingOf(writer.id);
      expect(asked!.action).toBe(`run tool refund with input {"order":"${order}"}`);
      first.child.kill("SIGKILL");
      await first.exited;

      // 2. Restarted: decided after the restart, the kept run resumes with the decision.
      const second = startChild(env);
      await second.line((l) => l === "ready");
      await admin.decideApproval(writer.id, asked!.id, decision, { decidedBy: "dana" });
      const [reply] = await waitForReplies(caller, writer.id, { timeoutMs: 30_000 });
      expect(reply?.text).toBe(`tool said: ${told}`);
      second.child.kill("SIGTERM");
      await second.exited;

      // The tool ran once when approved, never when denied (neither process ran it otherwise).
      expect(ranIn(first.out, second.out)).toEqual(
        decision === "approved" ? [`refunded ["${order}"]`] : [],
      );
      // One request in all: the restart waited on it, opened no other.
      expect(await requestsOf(writer)).toEqual([[asked!.id, decision]]);
    },
    90_000,
  );

  it("killed again after the approved refund ran (before the answer): it is not run again", async () => {
    const { writer, caller, env } = await refundAsked("twice", "K-twice");
    const first = startChild(env);
    const [asked] = await pendingOf(writer.id);
    first.child.kill("SIGKILL");
    await first.exited;

    // 2. Approved after a restart: the refund runs, and the process dies before it answers.
    const second = startChild({ ...env, HANG_AFTER_RUN: "1" });
    await second.line((l) => l === "ready");
    await admin.decideApproval(writer.id, asked!.id, "approved", { decidedBy: "dana" });
    await second.line((l) => l.startsWith("refunded "));
    second.child.kill("SIGKILL");
    await second.exited;

    // 3. The message comes again: the kept call is found taken; the model reads why, nothing runs.
    const third = startChild(env);
    const [reply] = await waitForReplies(caller, writer.id, { timeoutMs: 30_000 });
    expect(reply?.text).toBe(`tool said: ${ALREADY_RUN}`);
    third.child.kill("SIGTERM");
    await third.exited;
    expect(ranIn(first.out, second.out, third.out)).toEqual(['refunded ["K-twice"]']);
    expect(await requestsOf(writer)).toEqual([[asked!.id, "approved"]]);
  }, 90_000);
});
