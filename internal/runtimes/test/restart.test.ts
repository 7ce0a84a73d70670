// Restart any example, or `molecule-agent connect`, after it answered a message (#58 item 1): 0
// messages answered twice, also when its state folder was deleted between the runs, and a message
// sent while it was down is answered once after the restart. Each run is the built program in a
// process of its own, with the README's defaults (no store configured), against one emulator.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "..", "node_modules");

/** How to run each program: the command, given the workspace's variables. */
const programs: Record<string, (env: Record<string, string>) => string[]> = {
  "@example/quickstart": () => [
    join(realpathSync(join(modules, "@example/quickstart")), "dist/main.js"),
  ],
  "@example/langchain-agent": () => [
    join(realpathSync(join(modules, "@example/langchain-agent")), "dist/main.js"),
  ],
  "@example/ai-sdk-agent": () => [
    join(realpathSync(join(modules, "@example/ai-sdk-agent")), "dist/main.js"),
  ],
  "@example/nestjs-app": () => [
    join(realpathSync(join(modules, "@example/nestjs-app")), "dist/main.js"),
  ],
  "molecule-agent connect": () => [
    join(realpathSync(join(modules, "@molecule-ai/cli")), "dist/bin.js"),
    "connect",
    "--handler",
    join(here, "fixtures", "echo-handler.mjs"),
  ],
};

let emu: Emulator;
let stateRoot: string;
beforeAll(async () => {
  emu = await startEmulator();
  stateRoot = await mkdtemp(join(tmpdir(), "molecule-test-state-restart-"));
});
afterAll(async () => {
  await emu.close();
  await rm(stateRoot, { recursive: true, force: true });
});

/** Starts a program; resolves once it says it is connected. */
async function start(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", HOME: stateRoot, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    const seen = (c: Buffer): void => {
      out += c.toString();
      if (/connected as /.test(out)) resolve();
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.once("exit", (code) => reject(new Error(`exited ${code} before connecting:\n${out}`)));
  });
  await ready;
  return child;
}

/** How long an answer may take (a start on a busy machine included). */
const WAIT = { timeoutMs: 30_000 };

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** How many answers each of the asker's questions got, by the question's messageId. */
function answersIn(asker: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of emu.activity(asker)) {
    const msg = (r["request_body"] as { params?: { message?: Record<string, unknown> } })?.params
      ?.message;
    const to = (msg?.["metadata"] as Record<string, unknown> | undefined)?.["molecule_in_reply_to"];
    if (msg?.["role"] === "agent" && typeof to === "string") out.set(to, (out.get(to) ?? 0) + 1);
  }
  return out;
}

// The programs run at once (each with workspaces of its own on the one emulator; a run mostly
// waits on its process starting and on answers), each program's two runs one after the other.
describe.each(Object.keys(programs))(
  "%s restarted",
  { timeout: 120_000, concurrent: true },
  (name) => {
    it.each([
      ["as it was", false],
      ["after its state folder was deleted", true],
    ])(
      "%s: answers nothing twice, and once what was sent while it was down",
      { concurrent: false },
      async (_, wipe) => {
        const b = await emu.admin.createWorkspace({ name: "agent" });
        // The asker reads its answers from its activity feed: a poll workspace (on the August-2026
        // platform a workspace is push until told otherwise, and a push one without a URL takes none).
        const a = await emu.admin.createWorkspace({ name: "asker", deliveryMode: "poll" });
        const asker = new PlatformClient({
          platformUrl: emu.url,
          workspaceId: a.id,
          token: a.token!,
        });
        const stateDir = join(stateRoot, b.id.slice(0, 8));
        const env = {
          MOLECULE_PLATFORM_URL: emu.url,
          MOLECULE_WORKSPACE_ID: b.id,
          MOLECULE_WORKSPACE_TOKEN: b.token!,
          MOLECULE_STATE_DIR: stateDir,
        };
        const args = programs[name]!(env);
        try {
          const first = await start(args, env);
          const m1 = await asker.callPeer(b.id, "first question");
          await waitFor(() => answersIn(a.id).get(m1.messageId) === 1, WAIT); // the first answer
          await stop(first);
          expect((await stat(join(stateDir, b.id, "inbound"))).isFile()).toBe(true);
          if (wipe) await rm(stateDir, { recursive: true, force: true });

          const m2 = await asker.callPeer(b.id, "sent while it was down");
          const second = await start(args, env);
          await waitFor(() => answersIn(a.id).get(m2.messageId) === 1, WAIT); // sent while down
          const m3 = await asker.callPeer(b.id, "after the restart");
          await waitFor(() => answersIn(a.id).get(m3.messageId) === 1, WAIT); // after the restart
          await stop(second);
          expect(answersIn(a.id)).toEqual(
            new Map([
              [m1.messageId, 1],
              [m2.messageId, 1],
              [m3.messageId, 1],
            ]),
          );
        } finally {
          await asker.close();
        }
      },
    );
  },
);
