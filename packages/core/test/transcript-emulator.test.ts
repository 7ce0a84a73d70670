// An agent's transcript served by createTranscriptHandler, fetched through the platform's
// `GET /workspaces/:id/transcript` (the emulator relays to the card url's origin with the caller's
// bearer), and refused with a bearer the platform does not accept for this workspace.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTranscriptHandler, TranscriptLog } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";

let emu: Awaited<ReturnType<typeof startEmulator>>;
let server: http.Server;
let agentOrigin: string;
let client: PlatformClient;
let other: { id: string; token: string };
const checks: string[] = [];
const log = new TranscriptLog({ maxLines: 3 });

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-04" });
  const me = await emu.admin.createWorkspace({ name: "talker" });
  const o = await emu.admin.createWorkspace({ name: "other" });
  other = { id: o.id, token: o.token as string };
  client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: me.id,
    token: me.token as string,
  });
  const transcript = createTranscriptHandler({
    platformUrl: emu.url,
    workspaceId: me.id,
    log,
    logger: { warn: (m: string) => checks.push(m) } as never,
  });
  server = http.createServer((req, res) => {
    void transcript(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  agentOrigin = `http://localhost:${(server.address() as AddressInfo).port}`;
  await client.updateAgentCard({ name: "talker", url: `${agentOrigin}/a2a` });
  log.add("user", "hello", o.id);
  log.add("agent", "hi there");
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  await client?.close();
  await emu?.close();
});

it("is fetched through the platform route with the workspace's own token", async () => {
  const page = await client.fetchTranscript();
  expect(page).toMatchObject({ supported: true, cursor: 2, more: false });
  expect(page.lines?.map((l) => (l as { text: string }).text)).toEqual(["hello", "hi there"]);
  const next = await client.fetchTranscript(undefined, { since: 1, limit: 1 });
  expect(next).toMatchObject({ cursor: 2, more: false });
  expect(next.lines).toHaveLength(1);
});

it("the admin token (the canvas) is accepted too: the platform accepts it for this workspace", async () => {
  const asCanvas = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: client.workspaceId,
    token: emu.adminToken,
  });
  expect((await asCanvas.fetchTranscript()).supported).toBe(true);
  await asCanvas.close();
});

it("is refused with a bearer the platform does not accept for this workspace", async () => {
  // Straight to the agent with another workspace's token: the platform refuses it, so does the agent.
  const r = await fetch(`${agentOrigin}/transcript`, {
    headers: { Authorization: `Bearer ${other.token}` },
  });
  expect(r.status).toBe(401);
  expect(await r.json()).toEqual({ error: "unauthorized" });
  const none = await fetch(`${agentOrigin}/transcript`);
  expect(none.status).toBe(401);
  // Through the platform with that token: refused before it reaches the agent.
  const viaPlatform = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: client.workspaceId,
    token: other.token,
  });
  await expect(viaPlatform.fetchTranscript()).rejects.toMatchObject({ status: 401 });
  await viaPlatform.close();
  expect(checks.join("\n")).not.toContain(other.token);
});

it("bad since/limit is a 400; the log is bounded", async () => {
  const r = await fetch(`${agentOrigin}/transcript?since=x`, {
    headers: { Authorization: `Bearer ${emu.adminToken}` },
  });
  expect(r.status).toBe(400);
  for (let i = 0; i < 5; i++) log.add("user", `m${i}`);
  const page = await client.fetchTranscript();
  expect(page.lines?.map((l) => (l as { text: string }).text)).toEqual(["m2", "m3", "m4"]);
  expect(page.cursor).toBe(7);
});

it("checks at most 8 unknown bearers at once (503 beyond), one check per bearer at a time", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  let eight!: () => void;
  const eightRunning = new Promise<void>((r) => (eight = r));
  const handler = createTranscriptHandler({
    platformUrl: emu.url,
    workspaceId: client.workspaceId,
    log,
    verify: async () => {
      if (++calls === 8) eight();
      await gate;
      return false;
    },
  });
  const s = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/transcript`;
  const ask = (bearer: string) =>
    fetch(url, { headers: { Authorization: `Bearer ${bearer}` } }).then((r) => r.status);
  try {
    const held = [...Array.from({ length: 8 }, (_, i) => ask(`b${i}`)), ask("b0")];
    await eightRunning;
    expect(await ask("b-ninth")).toBe(503);
    release();
    expect(await Promise.all(held)).toEqual(Array(9).fill(401));
    expect(calls).toBe(8); // the repeated bearer waited for its running check
  } finally {
    release();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});
