// `molecule-agent connect`, spawned as the built bin against the emulator.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const HANDLER = fileURLToPath(new URL("./fixtures/connect-handler.mjs", import.meta.url));

let emu: Emulator;
let home: string;
beforeAll(async () => {
  emu = await startEmulator();
  home = await mkdtemp(join(tmpdir(), "connect-home-"));
});
afterAll(async () => {
  await emu.close();
  await rm(home, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, "connect", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

describe("molecule-agent connect", () => {
  it("connects from environment variables, answers messages, and exits 0 on SIGTERM", async () => {
    const a = await emu.admin.createWorkspace({ name: "cli-agent" });
    const p = await emu.admin.createWorkspace({ name: "cli-peer" });
    const cursorFile = join(home, "cursor");
    const r = run([`--handler`, HANDLER], {
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_POLL_INTERVAL: "0.05",
      MOLECULE_CURSOR_FILE: cursorFile,
    });
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 10_000 });
    expect(r.out()).toContain(`[molecule] connected as ${a.id}`);
    expect(r.out()).toContain("delivery=poll");
    expect(r.out()).toContain("interval=0.05s");
    expect(r.out() + r.err()).not.toContain(a.token!);

    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    await peer.callPeer(a.id, "hello cli", { messageId: randomUUID() });
    await peer.close();
    await waitFor(() =>
      emu
        .activity(p.id)
        .some((row) => JSON.stringify(row["request_body"] ?? "").includes("cli-echo:hello cli")),
    );
    r.child.kill("SIGTERM");
    expect(await r.exit).toBe(0);
    expect(r.out()).toContain("shutting down cleanly");
    const rows = emu.activity(a.id);
    expect(await readFile(cursorFile, "utf8")).toBe(
      rows.filter((x) => x["method"] !== "notify").at(-1)?.["id"],
    );
  });

  it("exits 0 with a message when the workspace is paused", async () => {
    const a = await emu.admin.createWorkspace({ name: "cli-paused" });
    const r = run(
      [
        "--handler",
        HANDLER,
        "--platform-url",
        emu.url,
        "--workspace-id",
        a.id,
        "--token",
        a.token!,
      ],
      { MOLECULE_HEARTBEAT_INTERVAL: "0.05" },
    );
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 10_000 });
    await emu.admin.pause(a.id);
    expect(await r.exit).toBe(0);
    expect(r.out()).toContain("platform reports workspace paused");
  });

  it("reports handler resolution errors and missing settings with exit codes", async () => {
    const missing = run(["--handler", HANDLER]);
    expect(await missing.exit).not.toBe(0);
    expect(missing.err()).toMatch(/--platform-url/);

    const base = ["--platform-url", emu.url, "--workspace-id", "ws-x", "--token", "t"];
    const noExport = run(["--handler", `${HANDLER}#nope`, ...base]);
    expect(await noExport.exit).toBe(1);
    expect(noExport.err()).toMatch(/no export named "nope"/);

    const notFn = run(["--handler", `${HANDLER}#notAFunction`, ...base]);
    expect(await notFn.exit).toBe(1);
    expect(notFn.err()).toMatch(/not callable/);

    const noModule = run(["--handler", "./does-not-exist.mjs", ...base]);
    expect(await noModule.exit).toBe(1);
    expect(noModule.err()).toMatch(/could not import/);

    const badInterval = run(["--handler", HANDLER, ...base, "--poll-interval", "abc"]);
    expect(await badInterval.exit).toBe(1);
    expect(badInterval.err()).toMatch(/--poll-interval must be a positive number of seconds/);
  });

  it("exits 2 when registration fails", async () => {
    const r = run([
      "--handler",
      HANDLER,
      "--platform-url",
      emu.url,
      "--workspace-id",
      randomUUID(),
      "--token",
      "bogus",
    ]);
    expect(await r.exit).toBe(2);
    expect(r.err()).toMatch(/register failed/);
    expect(r.err()).not.toContain("bogus");
  });
});
