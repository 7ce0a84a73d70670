// `molecule-agent send <workspace> <text>`, spawned as a user runs it against the emulator: it
// prints a poll peer's answer (awaited from its own inbox), a push peer's (April 2026 platform),
// finds a peer by name, gives up after --timeout with one line, names an unknown peer, and with
// --no-wait prints the platform's receipt.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator, EmulatorOptions } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "./connect-helpers.js";

let home: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "send-cli-"));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});
afterAll(async () => await rm(home, { recursive: true, force: true }));

async function platform(options?: EmulatorOptions): Promise<Emulator> {
  const emu = await startEmulator(options);
  cleanups.push(() => emu.close());
  return emu;
}

/**
 * A workspace whose agent answers `echo: <text>` (the platform's default delivery). The callers
 * below (`me`) run no agent: they are created for poll, as `AdminClient.createExternalWorkspace`
 * creates a workspace without a URL, so the answer can be queued in their inbox.
 */
async function echoPeer(emu: Emulator, name: string): Promise<string> {
  const ws = await emu.admin.createWorkspace({ name });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  const agent = new RemoteAgent({ client, handler: (m) => `echo: ${m.text}` });
  cleanups.push(async () => {
    await agent.stop();
    await client.close();
  });
  await agent.start();
  return ws.id;
}

/** Runs `molecule-agent send ...args` as workspace `me`; resolves once it exits. */
async function send(
  emu: Emulator,
  me: { id: string; token?: string | undefined },
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, "send", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: me.id,
      MOLECULE_WORKSPACE_TOKEN: me.token!,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, out, err };
}

describe("molecule-agent send", { timeout: 60_000 }, () => {
  it("prints a poll peer's answer, by id and by name", async () => {
    const emu = await platform();
    const peer = await echoPeer(emu, "Echo");
    const me = await emu.admin.createWorkspace({ name: "me", deliveryMode: "poll" });
    expect(await send(emu, me, [peer, "hello", "there"])).toEqual({
      code: 0,
      out: "echo: hello there\n",
      err: "",
    });
    expect(await send(emu, me, ["echo", "by name"])).toEqual({
      code: 0,
      out: "echo: by name\n",
      err: "",
    });
  });

  it("prints a push peer's answer on the April 2026 platform", async () => {
    const emu = await platform({ compat: "2026-04" });
    const peer = await echoPeer(emu, "Echo");
    const me = await emu.admin.createWorkspace({ name: "me" });
    const token = me.token ?? (await emu.admin.createToken(me.id));
    expect(await send(emu, { id: me.id, token }, [peer, "hi"])).toEqual({
      code: 0,
      out: "echo: hi\n",
      err: "",
    });
  });

  it("a peer that never answers: one line after --timeout, exit 1", async () => {
    const emu = await platform();
    // no agent; created for poll, so the platform queues the message for it
    const silent = await emu.admin.createWorkspace({ name: "Silent", deliveryMode: "poll" });
    const me = await emu.admin.createWorkspace({ name: "me", deliveryMode: "poll" });
    const r = await send(emu, me, [silent.id, "anyone?", "--timeout", "1"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `[molecule] no answer from ${silent.id} within 1 s; the message was delivered and its answer, if it comes, reaches workspace ${me.id}'s inbox (raise --timeout to wait longer)\n`,
    });
  });

  it("a peer given by name is named `name (id)` in the lines about it (#79)", async () => {
    const emu = await platform();
    const silent = await emu.admin.createWorkspace({ name: "Silent", deliveryMode: "poll" });
    const me = await emu.admin.createWorkspace({ name: "me", deliveryMode: "poll" });
    const waited = await send(emu, me, ["silent", "anyone?", "--timeout", "1"]);
    expect(waited.err).toBe(
      `[molecule] no answer from Silent (${silent.id}) within 1 s; the message was delivered and its answer, if it comes, reaches workspace ${me.id}'s inbox (raise --timeout to wait longer)\n`,
    );
    const queued = await send(emu, me, ["Silent", "later", "--no-wait"]);
    expect(queued.out).toMatch(
      new RegExp(
        `^\\[molecule\\] queued: message [0-9a-f-]{36} for Silent \\(${silent.id}\\) \\(poll delivery\\);`,
      ),
    );
  });

  it("--no-wait prints the platform's receipt for a poll peer", async () => {
    const emu = await platform();
    const silent = await emu.admin.createWorkspace({ name: "Silent", deliveryMode: "poll" });
    const me = await emu.admin.createWorkspace({ name: "me", deliveryMode: "poll" });
    const r = await send(emu, me, [silent.id, "later", "--no-wait"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^\\[molecule\\] queued: message [0-9a-f-]{36} for ${silent.id} \\(poll delivery\\); its answer will reach this workspace's inbox\\n$`,
      ),
    );
  });

  it("an unknown peer or name: one line saying so", async () => {
    const emu = await platform();
    await echoPeer(emu, "Echo");
    const me = await emu.admin.createWorkspace({ name: "me", deliveryMode: "poll" });
    const unknown = "0badc0de-0000-4000-8000-000000000000";
    const byId = await send(emu, me, [unknown, "hi"]);
    expect(byId.code).toBe(1);
    expect(byId.err).toMatch(new RegExp(`^\\[molecule\\] peer ${unknown} is unknown to workspace`));
    expect(byId.err.trim().split("\n")).toHaveLength(1);
    const byName = await send(emu, me, ["ecco", "hi"]);
    expect(byName).toEqual({
      code: 2,
      out: "",
      // the seeded Org Concierge, every parentless workspace's parent, is a peer too
      err: `[molecule] no peer of workspace ${me.id} is named "ecco" (its peers: "Echo", "Org Concierge"): pass a peer's name or a workspace id\n`,
    });
  });
});
