// The README quickstart stops cleanly on SIGTERM (what `docker stop` and Kubernetes send) as on
// Ctrl-C: exit code 0 with the agent's stop run, and after a restart, on the same state folder (a
// volume) or an empty one (a new container), every message is answered exactly once, those sent
// while it was down included. stopOnSignals' second signal and timeout end a stop that hangs.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { readmeBlock, waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";

const PACKAGE = new URL("../", import.meta.url);

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "quickstart-sigterm-"));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the quickstart as a user would (`node agent.ts`); `output` collects stdout and stderr. */
function startQuickstart(
  code: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", code], {
    cwd: fileURLToPath(PACKAGE), // `@molecule-ai/agent-core` resolves to this package's dist
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => output, exit };
}

describe("the core README quickstart on SIGTERM", () => {
  // `volume`: the restart keeps the state folder (a volume); else it starts with an empty one (a
  // new container) and resumes from the checkpoint the clean stop left in the activity log.
  it.each([
    ["with a volume", true],
    ["in a new container without a volume", false],
  ])(
    "exits 0 after a clean stop, and a restart %s answers each message once",
    async (_, volume) => {
      const code = await readmeBlock(new URL("README.md", PACKAGE), "## Quickstart");
      const a = await emu.admin.createWorkspace({ name: "quickstart", deliveryMode: "poll" });
      const s = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
      const sender = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: s.id,
        token: s.token!,
      });
      const env = (stateDir: string) => ({
        MOLECULE_PLATFORM_URL: emu.url,
        MOLECULE_WORKSPACE_ID: a.id,
        MOLECULE_WORKSPACE_TOKEN: a.token!,
        MOLECULE_STATE_DIR: stateDir,
      });
      /** The quickstart's answers, as the sender's activity log holds them. */
      const answers = (): string[] =>
        emu
          .activity(s.id)
          .filter((r) => r["activity_type"] === "a2a_receive" && r["source_id"] === a.id)
          .map((r) => JSON.stringify(r["request_body"]).match(/You said: (job \d+)/)?.[1] ?? "?");
      const send = async (from: number, to: number): Promise<void> => {
        for (let i = from; i < to; i++) await sender.callPeer(a.id, `job ${i}`);
      };
      try {
        await send(0, 5);
        const first = startQuickstart(code, env(join(dir, `${a.id}-1`)));
        await waitFor(() => answers().length >= 5, { timeoutMs: 30_000 });
        first.child.kill("SIGTERM");
        expect(await first.exit).toBe(0);
        expect(first.child.signalCode).toBeNull();
        expect(first.output()).toContain("stopped (stopped)"); // the agent's own stop ran

        await send(5, 8); // while it is down
        const second = startQuickstart(code, env(join(dir, `${a.id}-${volume ? 1 : 2}`)));
        await waitFor(() => answers().length >= 8, { timeoutMs: 30_000 });
        second.child.kill("SIGTERM");
        expect(await second.exit).toBe(0);
        expect(answers().toSorted()).toEqual(
          Array.from({ length: 8 }, (_, i) => `job ${i}`).sort(),
        );
      } finally {
        await sender.close();
      }
    },
    90_000,
  );
});

// An agent whose stop never resolves (a handler that ignores its signal, say).
const hung = (options: string): string => `
  import { stopOnSignals } from "@molecule-ai/agent-core/adapters";
  const stop = () => (process.stdout.write("stopping\\n"), new Promise(() => {}));
  stopOnSignals({ stop }, ${options});
  setInterval(() => {}, 1_000); // the process would run on
  process.stdout.write("ready\\n");
`;

describe("stopOnSignals when the stop does not end", () => {
  it("a second signal exits at once (143 after two SIGTERMs)", async () => {
    const run = startQuickstart(hung("{}"), {});
    await waitFor(() => run.output().includes("ready"));
    run.child.kill("SIGTERM");
    await waitFor(() => run.output().includes("stopping"));
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(143);
    expect(run.output()).toContain("SIGTERM again: exiting now");
  });

  it("a stop longer than timeoutMs exits 1, naming the timeout", async () => {
    const run = startQuickstart(hung("{ timeoutMs: 200 }"), {});
    await waitFor(() => run.output().includes("ready"));
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain("did not stop within 200 ms of SIGINT");
  });
});
