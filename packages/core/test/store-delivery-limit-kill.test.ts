// kill -9 with a poison message and the file store: the child's handler kills its own process on
// "poison"; a supervisor (this test) restarts it. The unsettled deliveries are counted in the store
// file before each run, so after maxDeliveries kills the next process dead-letters the message
// (reported once) instead of crash-looping, and delivery goes on. Poll (the platform redelivers from
// the cursor) and push (the sender re-sends the same messageId, then gets a JSON-RPC error).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { readLines } from "@internal/test-utils";
import { PlatformClient, fileStore } from "../src/index.js";
import { inboundSecretOf, platformSend } from "./fixtures/platform-send.js";

const CHILD = fileURLToPath(new URL("./fixtures/delivery-limit-child.mjs", import.meta.url));
const MAX = 3;

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "delivery-limit-"));
});
afterEach(async () => {
  for (const c of children) {
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** A child process and its stdout lines. */
interface Child {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (seen or to come) starting with `prefix`. */
  line(prefix: string): Promise<string>;
  /** Resolves with the signal it was killed by (null when it exited). */
  exited: Promise<NodeJS.Signals | null>;
}

function start(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const out = readLines(child.stdout!);
  const exited = new Promise<NodeJS.Signals | null>((r) =>
    child.once("exit", (_code, signal) => {
      children.delete(child);
      r(signal);
    }),
  );
  const line = async (prefix: string): Promise<string> =>
    await Promise.race([
      out.line((l) => l.startsWith(prefix)),
      exited.then(() => {
        throw new Error(`exited before printing "${prefix}"`);
      }),
    ]);
  return { child, lines: out.lines, line, exited };
}

/**
 * `message/send` to a child's push URL (it binds 127.0.0.1; the URL says localhost) with the
 * platform's bearer (`secret`), as the platform's proxy forwards a sender's message.
 */
async function send(url: string, secret: string, messageId: string, text: string) {
  return await platformSend(url.replace("//localhost:", "//127.0.0.1:"), secret, messageId, text);
}

async function stop(c: Child): Promise<void> {
  c.child.kill("SIGTERM");
  await c.exited;
}

describe("kill -9 on a poison message, file store", () => {
  it("poll: the message stops being re-run after maxDeliveries restarts", async () => {
    // For poll, as external agents are created (August creates push: calls to it wait in the platform's queue).
    const ws = await emu.admin.createWorkspace({ name: "poison-poll", deliveryMode: "poll" });
    const s = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
    const poison = randomUUID();
    await peer.callPeer(ws.id, "poison", { messageId: poison });
    await peer.callPeer(ws.id, "after", { messageId: randomUUID() });
    const cursor = join(dir, "poll-cursor");
    const env = { PLATFORM_URL: emu.url, WS_ID: ws.id, WS_TOKEN: ws.token!, CURSOR_FILE: cursor };
    const runs: string[] = [];
    for (let i = 0; i < MAX; i++) {
      const c = start({ ...env, MAX: String(MAX), POLL: "1" });
      runs.push(await c.line("poison "));
      expect(await c.exited).toBe("SIGKILL"); // killed by its own handler
    }
    expect(runs).toEqual(["poison 0", "poison 1", "poison 1"]);
    const next = start({ ...env, MAX: String(MAX), POLL: "1" });
    expect(await next.line("dead ")).toBe(`dead MoleculeDeliveryLimitError delivery_limit ${MAX}`);
    expect(await next.line("event ")).toBe("event delivery_limit");
    await next.line("ok after"); // the message behind it is delivered
    await stop(next);
    expect(next.lines.filter((l) => l.startsWith("poison"))).toEqual([]);
    // Restarted once more: neither run nor reported again.
    const last = start({ ...env, MAX: String(MAX), POLL: "1" });
    await last.line("ready");
    await peer.callPeer(ws.id, "later", { messageId: randomUUID() });
    await last.line("ok later");
    await stop(last);
    expect(last.lines.filter((l) => /^(poison|dead|event)/.test(l))).toEqual([]);
    await peer.close();
    expect(await fileStore(cursor).deadLetters()).toMatchObject([
      { delivery: "poll", messageId: poison, deliveries: MAX },
    ]);
  });

  it("push: the sender's re-sends stop killing it, then get a JSON-RPC error", async () => {
    const ws = await emu.admin.createWorkspace({ name: "poison-push" });
    const cursor = join(dir, "push-cursor");
    const env = { PLATFORM_URL: emu.url, WS_ID: ws.id, WS_TOKEN: ws.token!, CURSOR_FILE: cursor };
    const secret = await inboundSecretOf(emu.url, ws.id, ws.token!);
    const poison = randomUUID();
    for (let i = 0; i < MAX; i++) {
      const c = start({ ...env, MAX: String(MAX) });
      const url = (await c.line("ready ")).slice(6);
      await expect(send(url, secret, poison, "poison")).rejects.toThrow("fetch failed"); // the connection dies with it
      expect(await c.exited).toBe("SIGKILL");
      expect(c.lines.filter((l) => l.startsWith("poison"))).toHaveLength(1);
    }
    const next = start({ ...env, MAX: String(MAX) });
    const url = (await next.line("ready ")).slice(6);
    expect(await send(url, secret, poison, "poison")).toMatchObject({
      error: { code: -32603, data: { code: "delivery_limit", retryable: false, deliveries: MAX } },
    });
    expect(await next.line("dead ")).toBe(`dead MoleculeDeliveryLimitError delivery_limit ${MAX}`);
    expect(await send(url, secret, poison, "poison")).toMatchObject({ error: { code: -32603 } });
    expect(await send(url, secret, randomUUID(), "fine")).toMatchObject({
      result: expect.anything(),
    });
    await stop(next);
    expect(next.lines.filter((l) => /^(poison|dead|event)/.test(l))).toEqual([
      "event delivery_limit",
      `dead MoleculeDeliveryLimitError delivery_limit ${MAX}`,
    ]);
    expect(await fileStore(cursor).deadLetters()).toMatchObject([
      { delivery: "push", messageId: poison, deliveries: MAX },
    ]);
  });
});
