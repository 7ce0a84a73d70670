// End to end through the platform: the emulator's A2A proxy forwards a canvas-style body (no
// jsonrpc/id, `type` parts, or no role) to our push server's capability URL. The canvas route needs
// a bearer on August 2026 (the canvas sends the admin token); the push server is the bare A2A
// server, which checks no platform bearer (a RemoteAgent's endpoint does, see platform-2026-08).
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2AServer, type A2AMessage, type A2AServer } from "../src/public/a2a.js";

let emu: Emulator;
let server: A2AServer;
const received: A2AMessage[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  server = await startA2AServer({
    agentCard: { name: "pushed" },
    onMessage: (message) => {
      received.push(message);
      return `got ${message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")}`;
    },
  });
});

afterAll(async () => {
  await server.close();
  await emu.close();
});

interface ProxyAnswer {
  result: { kind: string; parts: { kind?: string; text?: string }[] };
}

async function proxy(id: string, body: unknown): Promise<{ status: number; json: ProxyAnswer }> {
  const res = await fetch(`${emu.url}/workspaces/${id}/a2a`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.adminToken}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ProxyAnswer };
}

describe("platform proxy -> push server", () => {
  it("delivers the MCP-server shorthand body and returns a text the platform can extract", async () => {
    const ws = await emu.admin.createWorkspace({ name: "pushed", url: server.url });
    const { status, json } = await proxy(ws.id, {
      method: "message/send",
      params: { message: { role: "user", parts: [{ type: "text", text: "via proxy" }] } },
    });
    expect(status).toBe(200);
    expect(json.result.kind).toBe("message");
    const text = json.result.parts
      .filter((p) => p.kind === "text")
      .map((p) => p.text)
      .join("");
    expect(text).toContain("got via proxy");
    const last = received.at(-1)!;
    expect(last.role).toBe("user");
    expect(typeof last.messageId).toBe("string"); // injected by the proxy
    expect(last.parts).toEqual([{ kind: "text", text: "via proxy" }]);
  });

  it("delivers the channel plugin's body (no role, type parts)", async () => {
    const ws = await emu.admin.createWorkspace({ name: "pushed-2", url: server.url });
    const { json } = await proxy(ws.id, {
      jsonrpc: "2.0",
      id: crypto.randomUUID(),
      method: "message/send",
      params: {
        message: { messageId: crypto.randomUUID(), parts: [{ type: "text", text: "no role" }] },
      },
    });
    expect(JSON.stringify(json.result.parts)).toContain("got no role");
  });

  it("a registered URL with a wrong secret is refused by the push server", async () => {
    const wrong = server.url.replace(/\/[^/]+$/, "/not-the-secret-but-still-long-enough-xx");
    const ws = await emu.admin.createWorkspace({ name: "wrong", url: wrong });
    const before = received.length;
    const { status } = await proxy(ws.id, {
      method: "message/send",
      params: { message: { role: "user", parts: [{ type: "text", text: "x" }] } },
    });
    expect(status).toBe(404);
    expect(received.length).toBe(before);
  });
});
