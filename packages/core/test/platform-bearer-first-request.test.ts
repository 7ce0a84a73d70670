// Attacks on a push agent's first requests (issue #78): only the platform gets in, from the first
// request the agent answers. A stranger who knows the push URL (stable across restarts: its path
// secret comes from the token) POSTs while the agent starts (its first heartbeat slow), across a
// restart on the same store, and on an IP-literal URL with `requirePlatformBearer: true`. The
// handler must never run for them; the platform's own bearer must keep working (before register
// answers too, once a previous run stored it).
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { cardServed, freePort, postAs, STRANGERS, waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import { fileStore, PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function setup(
  compat: "2026-04" | "2026-08" = "2026-08",
  extra: { a2aAlwaysAuth?: boolean } = {},
): Promise<{ emu: Emulator; id: string; token: string }> {
  const emu = await startEmulator({ compat, ...extra });
  cleanups.push(() => emu.close());
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(() => admin.close());
  const created = await admin.createExternalWorkspace({ name: `pushed-${randomUUID()}` });
  return { emu, id: created.id, token: created.token! };
}

function clientOf(emu: Emulator, id: string, token: string): PlatformClient {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: id, token });
  cleanups.push(() => client.close());
  return client;
}

async function tmpStore(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bearer-first-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A push agent on a fixed port (its URL is known before `start()` resolves). */
function agentOn(
  client: PlatformClient,
  port: number,
  handled: string[],
  extra: { store?: string; publicUrl?: string; requirePlatformBearer?: boolean } = {},
): RemoteAgent<PlatformClient> {
  const agent = new RemoteAgent({
    client,
    ...(extra.store !== undefined ? { store: fileStore(join(extra.store, "state")) } : {}),
    delivery: {
      mode: "push",
      port,
      ...(extra.publicUrl !== undefined ? { publicUrl: extra.publicUrl } : {}),
      ...(extra.requirePlatformBearer !== undefined
        ? { requirePlatformBearer: extra.requirePlatformBearer }
        : {}),
    },
    handler: (m: InboundMessage) => {
      handled.push(m.text);
      return `ran: ${m.text}`;
    },
    logger: {},
  });
  cleanups.push(() => agent.stop());
  return agent;
}

describe("a stranger's POSTs while the agent starts (first heartbeat slow)", () => {
  it("none runs the handler: held, then 401 once the platform is known to sign; the platform's own push runs", async () => {
    const { emu, id, token } = await setup();
    const client = clientOf(emu, id, token);
    const port = await freePort();
    const url = `http://localhost:${port}/${await client.pushPathSecret()}`;
    // The first heartbeat answers 1.5 s late: the window between register and it is open.
    emu.injectFault({ path: "/registry/heartbeat", delayMs: 1_500 });
    const handled: string[] = [];
    const agent = agentOn(client, port, handled);
    const started = agent.start();
    await cardServed(url);
    // Before register answers: nothing known yet.
    const early = STRANGERS.map((a) => postAs(url, "before register", a));
    // After register answered (the secret is known) and before the first heartbeat.
    await waitFor(() => client.files.inboundSecret !== undefined, { timeoutMs: 20_000 });
    const window = Array.from({ length: 30 }, (_, i) =>
      postAs(url, `in the window ${i}`, STRANGERS[i % STRANGERS.length]),
    );
    const statuses = await Promise.all([...early, ...window].map(async (r) => (await r).status));
    await started;
    for (const s of statuses) expect([401, 503]).toContain(s);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    expect(handled).toEqual([]);
    // Once started: still 401 for strangers, the platform's bearer runs.
    for (const a of STRANGERS) expect((await postAs(url, "after start", a)).status).toBe(401);
    const ok = await postAs(url, "the platform", `Bearer ${client.files.inboundSecret}`);
    expect(ok.status).toBe(200);
    expect(handled).toEqual(["the platform"]);
  });
});

describe("across a restart on the same store", () => {
  it("the restarted agent refuses strangers before register answers, and takes the platform's bearer at once (stored as a digest, never the secret)", async () => {
    const { emu, id, token } = await setup();
    const dir = await tmpStore();
    const port = await freePort();
    const first = clientOf(emu, id, token);
    const url = `http://localhost:${port}/${await first.pushPathSecret()}`;
    const handled: string[] = [];
    const one = agentOn(first, port, handled, { store: dir });
    await one.start();
    await waitFor(() => first.files.signsPushes);
    const secret = first.files.inboundSecret!;
    await one.stop();
    // The store keeps what was learned (a digest, and that the platform signs), not the secret.
    const kept = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), "utf8")));
    expect(kept.join("\n")).toContain('"signs":true');
    for (const text of kept) expect(text).not.toContain(secret);

    // The restart: a fresh process's client knows no secret; register answers 2 s late.
    const second = clientOf(emu, id, token);
    emu.injectFault({ path: "/registry/register", delayMs: 2_000 });
    const two = agentOn(second, port, handled, { store: dir });
    const started = two.start();
    await cardServed(url);
    const strangers = Array.from({ length: 30 }, (_, i) =>
      postAs(url, `stranger ${i}`, STRANGERS[i % STRANGERS.length]),
    );
    // The platform's bearer, before the register answer: the stored digest lets it in.
    const platform = await postAs(url, "the platform, early", `Bearer ${secret}`);
    expect(platform.status).toBe(200);
    expect(second.files.inboundSecret).toBeUndefined(); // register had not answered
    const statuses = await Promise.all(strangers.map(async (r) => (await r).status));
    await started;
    for (const s of statuses) expect([401, 503]).toContain(s);
    expect(handled).toEqual(["the platform, early"]);
    // Known from the store: the platform signs, so right after register a stranger is a 401.
    for (const a of STRANGERS) expect((await postAs(url, "after", a)).status).toBe(401);
    expect(handled).toEqual(["the platform, early"]);
  });
});

describe("requirePlatformBearer: true is honoured, never dropped", () => {
  it("on an IP-literal URL (http://127.0.0.1:<port>/<secret>): no bearer or a wrong one is 401; the platform's (MOLECULE_A2A_ALWAYS_AUTH) runs", async () => {
    const { emu, id, token } = await setup("2026-08", { a2aAlwaysAuth: true });
    const client = clientOf(emu, id, token);
    const port = await freePort();
    const handled: string[] = [];
    const agent = agentOn(client, port, handled, {
      publicUrl: `http://127.0.0.1:${port}`,
      requirePlatformBearer: true,
    });
    await agent.start();
    const url = agent.pushUrl!;
    expect(url.startsWith(`http://127.0.0.1:${port}/`)).toBe(true);
    for (const a of STRANGERS) expect((await postAs(url, "stranger", a)).status).toBe(401);
    expect(handled).toEqual([]);
    // Through the platform (which signs IP-literal URLs only with MOLECULE_A2A_ALWAYS_AUTH).
    const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
    cleanups.push(() => admin.close());
    const peer = await admin.createExternalWorkspace({ name: `caller-${randomUUID()}` });
    const answer = await clientOf(emu, peer.id, peer.token!).callPeer(id, "through the platform");
    expect(JSON.stringify(answer)).toContain("ran: through the platform");
    expect(handled).toEqual(["through the platform"]);
  });

  it("a platform that sends no secret (2026-04) fails the start: platform_bearer_unavailable", async () => {
    const { emu, id, token } = await setup("2026-04");
    const client = clientOf(emu, id, token);
    const agent = agentOn(client, await freePort(), [], { requirePlatformBearer: true });
    await expect(agent.start()).rejects.toMatchObject({
      code: "platform_bearer_unavailable",
      retryable: false,
      message: expect.stringContaining("requirePlatformBearer: false"),
    });
  });
});
