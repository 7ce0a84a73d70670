// Issue 59, "a flood locks out the owner", as the attack over real HTTP: a stranger floods a
// RemoteAgent's `GET /transcript` with random bearers for 20 s from its own address (127.0.0.2).
// Before the fix the one budget of platform checks was spent, and the agent's own token (never
// used on the route) and the platform's canvas read got 429 during the flood and after it. Now the
// agent compares its own token locally, before any budget, and budgets are kept per address: the
// platform's address (where its relay comes from) never shares one with a stranger's.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";

/** The stranger's requests: 50 times its budget of platform checks (30 in any 60 s). */
const FLOOD = 1_500;

let emu: Awaited<ReturnType<typeof startEmulator>>;
let client: PlatformClient;
let agent: RemoteAgent<PlatformClient>;
let token: string;
let origin: URL;

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-04", rateLimit: 600 });
  const me = await emu.admin.createWorkspace({ name: "owner" });
  token = me.token!;
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token });
  agent = new RemoteAgent({
    client,
    handler: (m) => `echo:${m.text}`,
    delivery: { mode: "push" },
    transcript: true,
    logger: {},
  });
  await agent.start();
  origin = new URL(agent.pushUrl!);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await client?.close();
  await emu?.close();
});

/** `GET /transcript` on the agent with `bearer`, from `localAddress`; the status. */
function read(bearer: string, localAddress: string, agentPool?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: origin.port,
        path: "/transcript",
        localAddress,
        headers: { authorization: `Bearer ${bearer}` },
        ...(agentPool ? { agent: agentPool } : {}),
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.once("error", () => resolve(0));
  });
}

/** The platform's canvas read: its relay of `GET /workspaces/:id/transcript` (admin token). */
async function canvasRead(): Promise<number> {
  const r = await fetch(`${emu.url}/workspaces/${client.workspaceId}/transcript`, {
    headers: { authorization: `Bearer ${emu.adminToken}` },
  });
  await r.body?.cancel();
  return r.status;
}

it("after a random-bearer flood from a stranger's address, the owner's token and the platform's canvas read are answered at once", async () => {
  const statuses = new Map<number, number>();
  const pool = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let left = FLOOD;
  let flooded!: () => void;
  const spent = new Promise<void>((r) => (flooded = r));
  const flooder = async (): Promise<void> => {
    while (left-- > 0) {
      const s = await read(randomBytes(24).toString("base64url"), "127.0.0.2", pool);
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
      if (s === 429) flooded();
    }
  };
  const during: number[] = [];
  const owner = async (): Promise<void> => {
    await spent; // the stranger's budget is spent: its bearers get 429 now
    during.push(await read(token, "127.0.0.1"), await canvasRead());
  };
  try {
    await Promise.all([...Array.from({ length: 16 }, flooder), owner()]);
  } finally {
    pool.destroy();
  }
  const flood = [...statuses.values()].reduce((a, b) => a + b, 0);
  expect(flood).toBeGreaterThan(1_000);
  expect(statuses.get(429) ?? 0).toBeGreaterThan(flood / 2);
  // During the flood and right after it: 200 for the owner's token (from any address, never
  // used on the route before) and for the canvas read the platform relays from its address.
  expect(during).toEqual([200, 200]);
  expect(await read(token, "127.0.0.2")).toBe(200);
  expect(await canvasRead()).toBe(200);
  // The stranger's address is still refused without a platform check.
  expect(await read(randomBytes(24).toString("base64url"), "127.0.0.2")).toBe(429);
}, 120_000);
