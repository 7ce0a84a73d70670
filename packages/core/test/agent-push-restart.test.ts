// A push agent restarted as a new process (kill -9, then start again for the same workspace)
// keeps receiving on the April-2026 platform: it registers a URL the platform accepts and, on a
// fixed port, the very same URL (the path secret is derived from the token).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@internal/test-utils";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/push-restart-child.mjs", import.meta.url));
const children = new Set<ChildProcess>();

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-04" });
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await emu.close();
});

/** Starts the child and resolves with its first stdout line (`ready <delivery> <url>`). */
async function start(env: Record<string, string>): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, line };
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

describe("push agent restart (new process, same workspace)", () => {
  it("keeps receiving, and a fixed port gives the same registered URL", async () => {
    const a = await emu.admin.createWorkspace({ name: "restarting-agent" });
    const p = await emu.admin.createWorkspace({ name: "caller" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const env = { PLATFORM_URL: emu.url, WS_ID: a.id, WS_TOKEN: a.token!, PUSH_PORT: "" };

    const first = await start(env);
    expect(first.line).toMatch(/^ready push http:\/\/localhost:\d+\/[\w-]{43}$/);
    expect(await peer.callPeer(a.id, "one")).toMatchObject({
      text: `pid ${first.child.pid} got one`,
    });
    await kill9(first.child);

    const second = await start(env); // another free port: re-register moves the URL
    expect(await peer.callPeer(a.id, "two")).toMatchObject({
      text: `pid ${second.child.pid} got two`,
    });
    await kill9(second.child);

    env.PUSH_PORT = String(await freePort());
    const third = await start(env);
    expect(await peer.callPeer(a.id, "three")).toMatchObject({
      text: `pid ${third.child.pid} got three`,
    });
    await kill9(third.child);
    const fourth = await start(env);
    expect(fourth.line).toBe(third.line); // same port, same derived secret: the same URL
    expect(await peer.callPeer(a.id, "four")).toMatchObject({
      text: `pid ${fourth.child.pid} got four`,
    });
    const ended = new Promise((r) => fourth.child.once("exit", r));
    fourth.child.kill("SIGTERM");
    expect(await ended).toBe(0);
    await peer.close();
  });
});
