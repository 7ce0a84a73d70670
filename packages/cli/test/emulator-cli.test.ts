// The newcomer's path: start `molecule-platform-emulator --workspace ...`, paste the printed
// `export` lines, run an agent. Spawns the emulator's built bin, reads its output, runs
// `molecule-agent connect` with nothing but one workspace's exports, has the other workspace call
// it through the platform, and runs `molecule-agent doctor` with the same exports.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  fetchInbound,
  PlatformClient,
  readMoleculeEnv,
  type PeerCallResult,
} from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { BIN, HANDLER } from "./connect-helpers.js";

const EMULATOR_BIN = join(
  dirname(fileURLToPath(import.meta.resolve("@molecule-ai/platform-emulator/package.json"))),
  "dist",
  "bin.js",
);

interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

const procs: Proc[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null) p.child.kill("SIGTERM");
    await p.exit;
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function start(file: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [file, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const p = { child, out: () => out, exit };
  procs.push(p);
  return p;
}

/** `# workspace "<name>" ...` then `export K=V` lines, as a map name -> env. */
function exportsByWorkspace(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let env: Record<string, string> | undefined;
  for (const line of text.split("\n")) {
    const head = /^# workspace "([^"]+)"/.exec(line);
    if (head) out.set(head[1]!, (env = {}));
    const exp = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (exp && env) env[exp[1]!] = exp[2]!;
  }
  return out;
}

/** The peer's answer: in the call's result (push), or later in the caller's inbox (poll). */
async function answerOf(caller: PlatformClient, result: PeerCallResult): Promise<string> {
  if (result.status !== "queued") return result.text;
  const found = await waitFor(
    async () => (await fetchInbound(caller)).find((m) => m.text.includes("cli-echo:")),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return found.text;
}

describe.each(["latest", "2026-04"])(
  "molecule-platform-emulator --workspace, then agents (%s)",
  (compat) => {
    it("the printed exports are all an agent needs: connect, a peer call answered, doctor passes", async () => {
      const home = await mkdtemp(join(tmpdir(), "emu-cli-agents-"));
      dirs.push(home);
      const emu = start(
        EMULATOR_BIN,
        [
          "--port",
          "0",
          "--compat",
          compat,
          "--workspace",
          "coordinator",
          "--workspace",
          "researcher,parent=coordinator",
        ],
        {},
      );
      await waitFor(
        () => exportsByWorkspace(emu.out()).get("researcher")?.["MOLECULE_WORKSPACE_TOKEN"],
        {
          timeoutMs: 20_000,
        },
      );
      const envs = exportsByWorkspace(emu.out());
      const researcher = envs.get("researcher")!;
      const coordinator = envs.get("coordinator")!;

      const agent = start(BIN, ["connect", "--handler", HANDLER], { HOME: home, ...researcher });
      await waitFor(() => agent.out().includes("connected as"), { timeoutMs: 20_000 });
      expect(agent.out()).toContain(`connected as ${researcher["MOLECULE_WORKSPACE_ID"]}`);

      // the coordinator reads the same variables the examples read
      const env = readMoleculeEnv(coordinator);
      const caller = new PlatformClient({
        platformUrl: env.platformUrl!,
        workspaceId: env.workspaceId!,
        token: env.token!,
      });
      try {
        // The printed workspaces are created as an admin creates them: on August push with no URL
        // until an agent registers, so the coordinator registers (for poll) as its agent would, to
        // receive the answer; the April platform pushes it back in the call's own response.
        if (compat === "latest")
          await caller.register({ agentCard: { name: "coordinator" }, deliveryMode: "poll" });
        const result = await caller.callPeer(researcher["MOLECULE_WORKSPACE_ID"]!, "hello");
        expect(await answerOf(caller, result)).toContain("cli-echo:hello");
      } finally {
        await caller.close();
      }

      const doc = start(BIN, ["doctor"], { HOME: home, ...researcher });
      expect(await doc.exit).toBe(0);
      expect(doc.out()).toContain("all checks passed");
      expect(doc.out()).not.toContain(researcher["MOLECULE_WORKSPACE_TOKEN"]);
    });
  },
);
