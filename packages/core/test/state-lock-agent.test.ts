// The state folder's lock as agents meet it (issue 92 item 1), over real HTTP through the emulator:
// two agents with the README's defaults (no store) on one MOLECULE_STATE_DIR, each pid 1 in its
// own PID namespace (two pods on one volume), and a running agent whose lock another agent took.
// The lock itself (hosts, races, SIGKILL, legacy files) is state-lock.test.ts.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { OWN_PID_NAMESPACE, pidNamespaces, readLines } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { formatLease, newLease, parseLock, thisMachine } from "../src/store/lease-record.js";

const CHILD = fileURLToPath(new URL("./fixtures/state-lock-child.mjs", import.meta.url));

let emu: Emulator;
let stateDir: string;
const children = new Set<ChildProcess>();
const saved = {
  dir: process.env.MOLECULE_STATE_DIR,
  lease: process.env.MOLECULE_STATE_LEASE_MS,
};
beforeAll(async () => {
  emu = await startEmulator();
  stateDir = await mkdtemp(join(tmpdir(), "state-lock-agent-"));
});
afterEach(async () => {
  for (const c of children) {
    children.delete(c);
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
  process.env.MOLECULE_STATE_DIR = saved.dir;
  process.env.MOLECULE_STATE_LEASE_MS = saved.lease;
  if (saved.lease === undefined) delete process.env.MOLECULE_STATE_LEASE_MS;
});
afterAll(async () => {
  await emu.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** An agent child in a PID namespace of its own (pid 1 there): its first line. */
async function agentInOwnPidNamespace(ws: { id: string; token: string }): Promise<string> {
  const proc = spawn(
    OWN_PID_NAMESPACE[0],
    [...OWN_PID_NAMESPACE.slice(1), process.execPath, CHILD],
    {
      env: {
        ...process.env,
        AGENT: "1",
        PLATFORM_URL: emu.url,
        WS_ID: ws.id,
        WS_TOKEN: ws.token,
        MOLECULE_STATE_DIR: stateDir,
        MOLECULE_STATE_LEASE_MS: "800",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(proc);
  return await readLines(proc.stdout!).line((l) => /^(started|refused) /.test(l));
}

describe.skipIf(!pidNamespaces)(
  "two pods on one volume (PID namespaces by unshare; needs root)",
  () => {
    it("two agents, each pid 1, on one state folder: one runs, the other refuses in one line", async () => {
      const w = await emu.admin.createWorkspace({ name: "twice", deliveryMode: "poll" });
      const ws = { id: w.id, token: w.token! };
      const first = await agentInOwnPidNamespace(ws);
      expect(first).toBe("started 1");
      const second = await agentInOwnPidNamespace(ws);
      expect(second).toMatch(/^refused store_in_use /);
      expect(second).toContain(`keeps its state in ${join(stateDir, w.id)}:`);
      expect(second).toContain(`the lock ${join(stateDir, w.id, "inbound.lock")} is held by`);
      expect(second).toContain("(pid 1 there)");
      expect(second).toContain("It is free when that agent stops, or 0.8 s after its last refresh");
    });
  },
);

describe("a running agent whose state folder another agent took", () => {
  it("ends with reason error and store_in_use; the folder's new lock is left as it is", async () => {
    process.env.MOLECULE_STATE_DIR = stateDir;
    process.env.MOLECULE_STATE_LEASE_MS = "600";
    const w = await emu.admin.createWorkspace({ name: "taken", deliveryMode: "poll" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    const agent = new RemoteAgent({ client, delivery: "poll", logger: {}, handler: () => "ok" });
    await agent.start();
    // Another holder's lease renamed over it, as a taker replaces a lapsed lock.
    const lock = join(stateDir, w.id, "inbound.lock");
    const other = newLease("e".repeat(32), thisMachine("elsewhere"), 600);
    await writeFile(`${lock}.other`, formatLease(other));
    await rename(`${lock}.other`, lock);
    const done = await agent.done;
    expect(done.reason).toBe("error");
    expect(done.error).toMatchObject({ code: "store_in_use" });
    expect((done.error as Error).message).toContain(
      `this agent no longer holds its state folder ${join(stateDir, w.id)}`,
    );
    const left = parseLock(await readFile(lock, "utf8"));
    expect(left).toMatchObject({ kind: "lease", lease: { holder: other.holder } });
    await client.close();
  });
});
