/* oxlint-disable typescript/no-explicit-any */
// `GET /ws` with the real `ws` client, in both contracts: the same events as the workspace's SSE
// stream (as `{event, workspace_id, timestamp, payload}`), its auth, the bound on what a client may
// send, the event history, and nothing left open after `close()`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Emulator } from "../src/index.js";
import { emulator, makeWs, req, type Ws } from "./helpers.js";

/** Opens `GET /ws`; resolves once open (or with the refusal's status). */
function connect(
  emu: Emulator,
  headers: Record<string, string>,
): Promise<{ ws: WebSocket; status: number; messages: any[]; next: () => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${emu.url.replace(/^http/, "ws")}/ws`, { headers });
    const messages: any[] = [];
    let wake: (() => void) | undefined;
    ws.on("message", (m) => {
      messages.push(JSON.parse(String(m)));
      wake?.();
    });
    const next = async (): Promise<any> => {
      while (messages.length === 0) await new Promise<void>((w) => (wake = w));
      return messages.shift();
    };
    ws.on("error", reject);
    ws.once("open", () => resolve({ ws, status: 101, messages, next }));
    ws.once("unexpected-response", (_rq, res) => {
      res.resume();
      resolve({ ws, status: res.statusCode ?? 0, messages, next });
    });
  });
}

/** The first SSE event of a stream whose type is `type`. */
async function sseEvent(res: Response, type: string): Promise<any> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended");
    buf += dec.decode(value, { stream: true });
    for (const frame of buf.split("\n\n")) {
      const line = frame.split("\n").find((l) => l.startsWith("data: "));
      if (line === undefined) continue;
      const j = JSON.parse(line.slice(6));
      if (j.type === type) {
        await reader.cancel();
        return j;
      }
    }
  }
}

describe.each(["2026-04", "latest"] as const)("compat %s", (compat) => {
  let emu: Emulator;
  let a: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat });
    a = await makeWs(emu, "socket-a");
  });
  afterAll(async () => {
    await emu?.close();
  });
  /** The canvas's headers on `e`: none before 2026-08, which wants the admin token. */
  const canvasHeaders = (e: Emulator): Record<string, string> =>
    compat === "latest" ? { Authorization: `Bearer ${e.adminToken}` } : {};

  it("a workspace socket gets the same event as its SSE stream, in the WebSocket envelope", async () => {
    const sock = await connect(emu, {
      "X-Workspace-ID": a.id,
      Authorization: `Bearer ${a.token}`,
    });
    expect(sock.status).toBe(101);
    const res = await fetch(`${emu.url}/workspaces/${a.id}/events/stream`, {
      headers: { Authorization: `Bearer ${a.token}` },
    });
    const fromSse = sseEvent(res, "AGENT_MESSAGE");
    const sent = await req(emu, "POST", `/workspaces/${a.id}/notify`, {
      body: { message: "hello both" },
      token: a.token,
    });
    expect(sent.status).toBe(200);
    let msg = await sock.next();
    while (msg.event !== "AGENT_MESSAGE") msg = await sock.next();
    const sse = await fromSse;
    expect(Object.keys(msg).sort()).toEqual(["event", "payload", "timestamp", "workspace_id"]);
    expect(msg.workspace_id).toBe(a.id);
    expect(new Date(msg.timestamp).toISOString()).toBe(msg.timestamp);
    expect(Object.keys(sse).sort()).toEqual(["data", "timestamp", "type"]);
    expect(msg.payload).toEqual(sse.data);
    sock.ws.terminate();
  });

  it("refuses a workspace socket without its bearer (401, nothing upgraded; 2026-08: the canvas's too) and closes a client that sends too much", async () => {
    const none = await connect(emu, { "X-Workspace-ID": a.id });
    expect(none.status).toBe(401);
    const bare = await connect(emu, {});
    expect(bare.status).toBe(compat === "latest" ? 401 : 101);
    const canvas = compat === "latest" ? await connect(emu, canvasHeaders(emu)) : bare;
    expect(canvas.status).toBe(101);
    const closed = new Promise<number>((r) => canvas.ws.once("close", (code) => r(code)));
    canvas.ws.send("x".repeat(64 * 1024));
    expect(await closed).toBe(1009);
  });

  it("GET /events/:id gives the admin the workspace's structure events, newest first; a workspace token is refused", async () => {
    await emu.admin.pause(a.id);
    const r = await req(emu, "GET", `/events/${a.id}`, { token: emu.adminToken });
    expect(r.status).toBe(200);
    expect(r.json[0]).toMatchObject({ event_type: "WORKSPACE_PAUSED", workspace_id: a.id });
    expect(Object.keys(r.json[0]).sort()).toEqual([
      "created_at",
      "event_type",
      "id",
      "payload",
      "workspace_id",
    ]);
    expect(r.json.map((e: any) => e.event_type)).not.toContain("AGENT_MESSAGE");
    const all = await req(emu, "GET", "/events", { token: emu.adminToken });
    expect(all.json[0]).toEqual(r.json[0]);
    const ws = await req(emu, "GET", `/events/${a.id}`, { token: a.token });
    expect(ws.status).toBe(401);
  });

  it("the history stays bounded: big cards push older events out (at most 1 MiB beyond the newest)", async () => {
    const b = await makeWs(emu, "socket-b");
    for (let i = 0; i < 5; i++) {
      const r = await req(emu, "POST", "/registry/update-card", {
        body: {
          workspace_id: b.id,
          agent_card: { name: `card ${i}`, description: "x".repeat(600_000) },
        },
        token: b.token,
      });
      expect(r.status).toBe(200);
    }
    const h = await req(emu, "GET", `/events/${b.id}`, { token: emu.adminToken });
    expect(h.status).toBe(200);
    expect(h.json[0].payload.agent_card.name).toBe("card 4");
    expect(h.text.length).toBeLessThan(2 * 1024 * 1024);
  });

  it("close() ends every socket", async () => {
    const other = await emulator({ compat });
    const sock = await connect(other, canvasHeaders(other));
    const closed = new Promise<void>((r) => sock.ws.once("close", () => r()));
    await other.close();
    await closed;
    expect(sock.ws.readyState).toBe(WebSocket.CLOSED);
  });
});
