/* oxlint-disable typescript/no-explicit-any */
// Test helpers: plain fetch against the emulator and a tiny A2A agent server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator, type Emulator, type EmulatorOptions } from "../src/index.js";

export interface Res {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export async function req(
  emu: Emulator | string,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const base = typeof emu === "string" ? emu : emu.url;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers["Authorization"] = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body, redirect: "manual" });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text, headers: r.headers };
}

export const ZERO = "00000000-0000-0000-0000-000000000000";

export function envelope(text: string, messageId = crypto.randomUUID()): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id: "1",
    method: "message/send",
    params: { message: { role: "user", messageId, parts: [{ kind: "text", text }] } },
  };
}

/** A registered external workspace with its token. */
export interface Ws {
  id: string;
  token: string;
}

/**
 * Creates an external workspace without URL and registers it: poll without `url` (created for
 * poll, as `AdminClient.createExternalWorkspace` does, since 2026-08 creates push by default;
 * 2026-04 has no poll and gets an unreachable URL), push when `url` is given.
 */
export async function makeWs(
  emu: Emulator,
  name: string,
  opts: { parentId?: string; url?: string; mode?: "poll" | "push" } = {},
): Promise<Ws> {
  const created = await emu.admin.createWorkspace({
    name,
    ...(opts.parentId ? { parentId: opts.parentId } : {}),
    ...(opts.url === undefined && emu.compat !== "2026-04"
      ? { deliveryMode: "poll" as const }
      : {}),
  });
  const token = created.token as string;
  const body: Record<string, unknown> = { id: created.id, agent_card: { name } };
  if (opts.url !== undefined) body["url"] = opts.url;
  if (opts.mode !== undefined) body["delivery_mode"] = opts.mode;
  if (opts.url === undefined && emu.compat === "2026-04") body["url"] = "http://localhost:9/never";
  const r = await req(emu, "POST", "/registry/register", { body, token });
  if (r.status !== 200) throw new Error(`register failed ${r.status} ${r.text}`);
  return { id: created.id, token };
}

export interface Agent {
  url: string;
  received: any[];
  close(): Promise<void>;
}

/** A minimal A2A agent: records bodies, answers with `reply(body)` (default: a text Message). */
export async function startAgent(
  reply?: (
    body: any,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => unknown | Promise<unknown>,
): Promise<Agent & { headers: http.IncomingHttpHeaders[] }> {
  const received: any[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((rq, rs) => {
    const chunks: Buffer[] = [];
    rq.on("data", (c: Buffer) => chunks.push(c));
    rq.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      received.push(body);
      headers.push(rq.headers);
      const out =
        reply !== undefined
          ? await reply(body, rq, rs)
          : {
              jsonrpc: "2.0",
              id: body.id,
              result: {
                kind: "message",
                role: "agent",
                messageId: "r1",
                parts: [{ kind: "text", text: "pong" }],
              },
            };
      if (out === undefined || rs.writableEnded || rs.destroyed) return;
      rs.writeHead(200, { "Content-Type": "application/json" });
      rs.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/a2a`,
    received,
    headers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function emulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator(opts);
}

/** Resolves once `cond` holds; rejects after `timeoutMs` (a bound against a hang, not a speed claim). */
export function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error("condition not met in time"));
      setTimeout(tick, 5);
    };
    tick();
  });
}
