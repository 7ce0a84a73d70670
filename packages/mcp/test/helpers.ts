// Test helpers: the built bin spawned by the official MCP client, and notification collectors
// that resolve on events (no sleeps).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const BIN = join(dirname(fileURLToPath(import.meta.url)), "../dist/bin.js");

/** A notification the client received, with when it arrived. */
export interface Received {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

/** Collects notifications; `next(pred)` resolves with the first (past or future) that matches. */
export class Notifications {
  readonly all: Received[] = [];
  #waiters: { pred: (n: Received) => boolean; resolve: (n: Received) => void }[] = [];

  push(n: Received): void {
    this.all.push(n);
    const matched = this.#waiters.filter((w) => w.pred(n));
    this.#waiters = this.#waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(n);
  }

  next(pred: (n: Received) => boolean): Promise<Received> {
    const found = this.all.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  /** Resolves with the `n`-th notification (past or future) that matches. */
  nth(pred: (n: Received) => boolean, n: number): Promise<Received> {
    let seen = 0;
    return this.next((x) => pred(x) && ++seen === n);
  }

  count(pred: (n: Received) => boolean): number {
    return this.all.filter(pred).length;
  }
}

export const isChannel = (n: Received): boolean => n.method === "notifications/claude/channel";

/**
 * The sender's text of a channel notification: its content is a header line, then each line of
 * the text after `│ ` (issue 59); `undefined` when the content is not of that shape.
 */
export function channelText(n: Received): string | undefined {
  const [head, ...lines] = String(n.params["content"]).split("\n");
  if (!head?.startsWith("[message ") && !head?.startsWith("[answer ")) return undefined;
  if (!lines.every((l) => l.startsWith("│"))) return undefined;
  return lines.map((l) => l.replace(/^│ ?/, "")).join("\n");
}

/** A connected MCP client over stdio to a spawned `molecule-mcp`, with its stderr and notifications. */
export interface StdioSession {
  client: Client;
  transport: StdioClientTransport;
  notes: Notifications;
  stderr: () => string;
  pid: number;
  /** Closes the client (ends stdin) and resolves with the ms the server took to exit. */
  close(): Promise<number>;
}

export function attachNotifications(client: Client): Notifications {
  const notes = new Notifications();
  client.fallbackNotificationHandler = async (n) => {
    notes.push({
      method: n.method,
      params: (n.params ?? {}) as Record<string, unknown>,
      at: performance.now(),
    });
  };
  return notes;
}

/**
 * Spawns the built bin with `env` and connects the official client to it; `wrap` runs it through
 * a command (e.g. `unshare --pid --fork`: then `pid` is the wrapper's).
 */
export async function connectStdio(
  env: Record<string, string>,
  args: string[] = [],
  wrap: string[] = [],
): Promise<StdioSession> {
  const [command, ...before] = [...wrap, process.execPath];
  const transport = new StdioClientTransport({
    command: command!,
    args: [...before, BIN, ...args],
    env: {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      MOLECULE_LOG_LEVEL: "warn",
      ...env,
    },
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: "test-host", version: "1.0.0" });
  const notes = attachNotifications(client);
  await client.connect(transport);
  // The server answers initialize at once and starts its workspaces in the background:
  // workspace_info returns once the first start attempt has settled.
  await client.callTool({ name: "workspace_info", arguments: {} });
  const pid = transport.pid!;
  return {
    client,
    transport,
    notes,
    stderr: () => err,
    pid,
    // The SDK's close ends stdin, waits up to 2 s for the exit, and only then sends SIGTERM.
    close: async () => {
      const t0 = performance.now();
      await client.close();
      return performance.now() - t0;
    },
  };
}

/** A fresh state directory, removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "molecule-mcp-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The structured content of a successful tool call (fails the test on an error result). */
export function structured<T = Record<string, unknown>>(r: unknown): T {
  const res = r as CallToolResult;
  if (res.isError) throw new Error(`tool failed: ${JSON.stringify(res.content)}`);
  return res.structuredContent as T;
}

export function textOf(r: unknown): string {
  return ((r as CallToolResult).content as { type: string; text?: string }[])
    .map((c) => c.text ?? "")
    .join("");
}

/** A connected MCP client over Streamable HTTP to a spawned `molecule-mcp --http 0`. */
export interface HttpSession {
  client: Client;
  notes: Notifications;
  url: string;
  stderr: () => string;
  /** Closes the client, then stops the server (SIGTERM) and waits for its exit. */
  close(): Promise<void>;
}

/** Spawns the built bin with `--http 0` and `env`; resolves with its URL once it printed it. */
export async function spawnHttpBin(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, "--http", "0"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      MOLECULE_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /Streamable HTTP at (\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    return { url, child, stderr: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Spawns the HTTP bin with a known bearer and connects the official client to it. */
export async function connectHttp(env: Record<string, string>): Promise<HttpSession> {
  const bearer = "test-bearer-0123456789abcdef";
  const bin = await spawnHttpBin({ ...env, MOLECULE_MCP_HTTP_TOKEN: bearer });
  const client = new Client({ name: "test-http-host", version: "1.0.0" });
  const notes = attachNotifications(client);
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(bin.url), {
        requestInit: { headers: { authorization: `Bearer ${bearer}` } },
      }),
    );
    await client.callTool({ name: "workspace_info", arguments: {} }); // started (see connectStdio)
  } catch (err) {
    await bin.stop();
    throw err;
  }
  return {
    client,
    notes,
    url: bin.url,
    stderr: bin.stderr,
    close: async () => {
      await client.close();
      await bin.stop();
    },
  };
}
