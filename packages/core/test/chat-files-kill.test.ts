// Issue 57, files: a crash (kill -9) while the handler of a canvas message with a file runs leaves
// the file on the platform (no acknowledgement before the handler succeeded): the next start
// delivers the message again, flagged `redelivered`, with the same file, and acknowledges it once.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { canvasDownload, canvasSendFiles, countingProxy, waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/files-kill-child.mjs", import.meta.url));

/** A pending upload's acknowledgement (not the inbox cursor's `POST /activity/ack`). */
const isFileAck = (r: string): boolean => /\/pending-uploads\/[^/]+\/ack$/.test(r);

let emu: Emulator;
let dir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "files-kill-"));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function startChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, ready };
}

async function lines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

it("a crash before the acknowledgement delivers the file again on the next start, then acknowledges it once", async () => {
  // The canvas uploads before the agent's first start: a poll workspace, as users create it.
  const ws = await emu.admin.createWorkspace({ name: "files-crashy", deliveryMode: "poll" });
  const proxy = await countingProxy(emu.url);
  try {
    const { uploaded } = await canvasSendFiles(emu.url, emu.adminToken, ws.id, "keep this", [
      { name: "doc.txt", data: "precious", type: "text/plain" },
    ]);
    const env = {
      PLATFORM_URL: proxy.url,
      WS_ID: ws.id,
      WS_TOKEN: ws.token!,
      STORE_FILE: join(dir, "state.json"),
      LOG_FILE: join(dir, "files.log"),
    };
    const first = startChild({ ...env, RUN: "0" });
    await first.ready;
    await waitFor(async () => (await lines(env.LOG_FILE)).length === 1, { timeoutMs: 15_000 });
    const exited = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGKILL");
    await exited;
    const acks = (): string[] => proxy.requests.filter(isFileAck);
    expect(acks()).toEqual([]);
    const kept = await canvasDownload(emu.url, emu.adminToken, ws.id, uploaded[0]!.uri);
    expect(kept.status).toBe(200); // still on the platform

    const second = startChild({ ...env, RUN: "1" });
    await second.ready;
    await waitFor(() => acks().length === 1, { timeoutMs: 15_000 });
    const fileId = uploaded[0]!.uri.split("/")[1];
    expect(acks()).toEqual([`POST /workspaces/${ws.id}/pending-uploads/${fileId}/ack`]);
    expect(await lines(env.LOG_FILE)).toEqual(["0 doc.txt 8 precious 0", "1 doc.txt 8 precious 1"]);
    const stopped = new Promise((r) => second.child.once("exit", r));
    second.child.kill("SIGTERM");
    await stopped;
    expect(acks()).toHaveLength(1);
    // August keeps an acknowledged upload readable for an hour (`DefaultAckRetention`), then sweeps
    // it; an unacknowledged one would live 24 h.
    const after = async (): Promise<number> =>
      (await canvasDownload(emu.url, emu.adminToken, ws.id, uploaded[0]!.uri)).status;
    expect(await after()).toBe(200);
    emu.advanceClock(60 * 60 * 1000);
    expect(await after()).toBe(404);
  } finally {
    await proxy.close();
  }
}, 60_000);
