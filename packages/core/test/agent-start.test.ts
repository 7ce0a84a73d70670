// start() survives transient platform failures (retried with backoff), rejects a permanent one
// with a typed error and can be called again, and is cancelled by stop() while it waits.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import {
  MoleculeAuthError,
  PlatformClient,
  RemoteAgent,
  isMoleculeError,
  type AgentPlatformClient,
} from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function setup(): Promise<{
  emu: Emulator;
  id: string;
  token: string;
  peer: PlatformClient;
}> {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const a = await emu.admin.createWorkspace({ name: "agent" });
  const p = await emu.admin.createWorkspace({ name: "peer" });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  cleanups.push(() => peer.close());
  return { emu, id: a.id, token: a.token!, peer };
}

function clientFor(emu: Emulator, id: string, token: string): PlatformClient {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: id, token });
  cleanups.push(() => client.close());
  return client;
}

/** The next request to `path` fails once with `status`. */
function faultsOn(emu: Emulator, path: string, status: number): void {
  emu.injectFault({ path, status, body: { error: "database connection lost" }, count: 1 });
}

describe("RemoteAgent.start() and platform failures", () => {
  it("a transient 500 on the probe and the register: start() succeeds, the registration its first heartbeat", async () => {
    const { emu, id, token, peer } = await setup();
    faultsOn(emu, "/workspaces/:id/activity", 500); // the capability probe
    faultsOn(emu, "/registry/register", 500);
    const warnings: string[] = [];
    const handled: string[] = [];
    const agent = new RemoteAgent({
      client: clientFor(emu, id, token),
      handler: (m) => void handled.push(m.text),
      pollIntervalMs: 20,
      logger: { warn: (msg) => void warnings.push(msg) },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(agent.delivery).toBe("poll");
    expect(warnings.filter((w) => w.endsWith("failed during start; retrying"))).toEqual([
      "capability probe failed during start; retrying",
      "register failed during start; retrying",
    ]);
    // The platform has it online from its registration (status and `last_heartbeat_at`, as
    // registry.go's upsert): the start sends no heartbeat of its own, the next goes an interval on.
    const shown = await emu.admin.getWorkspace(id);
    expect(shown["status"]).toBe("online");
    expect(shown["last_heartbeat_at"]).toEqual(expect.any(String));
    expect(emu.heartbeats(id)).toEqual([]);
    await peer.callPeer(id, "hello");
    await waitFor(() => handled.includes("hello"));
  });

  it("without registering (register: false), a transient 500 on the first heartbeat: start() succeeds", async () => {
    const { emu, id, token } = await setup();
    const client = clientFor(emu, id, token);
    await client.register({ agentCard: { name: "agent" }, deliveryMode: "poll" }); // elsewhere
    faultsOn(emu, "/registry/heartbeat", 500);
    const warnings: string[] = [];
    const agent = new RemoteAgent({
      client,
      handler: () => {},
      register: false,
      logger: { warn: (msg) => void warnings.push(msg) },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(warnings.filter((w) => w.endsWith("failed during start; retrying"))).toEqual([
      "first heartbeat failed during start; retrying",
    ]);
    expect(emu.heartbeats(id)).toHaveLength(1);
  });

  it("a permanent 401 rejects with a typed error; start() works again once the token is fixed", async () => {
    const { emu, id, token, peer } = await setup();
    // What a user's token refresh looks like to the agent: the client it talks through changes.
    let current = clientFor(emu, id, "wrong-token-0123456789abcdef");
    const client: AgentPlatformClient = {
      workspaceId: id,
      register: (o) => current.register(o),
      heartbeat: (r, o) => current.heartbeat(r, o),
      getState: (o) => current.getState(o),
      capabilities: (o) => current.capabilities(o),
      fetchActivityRows: (o) => current.fetchActivityRows(o),
      reply: (m, t, o) => current.reply(m, t, o),
    };
    const handled: string[] = [];
    const agent = new RemoteAgent({
      client,
      handler: (m) => void handled.push(m.text),
      pollIntervalMs: 20,
    });
    cleanups.push(() => agent.stop());
    const err = await agent.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MoleculeAuthError);
    expect((err as MoleculeAuthError).code).toBe("unauthorized");
    expect((err as MoleculeAuthError).retryable).toBe(false);
    expect(agent.delivery).toBe("none");

    current = clientFor(emu, id, token);
    await agent.start();
    await peer.callPeer(id, "after the fix");
    await waitFor(() => handled.includes("after the fix"));
    await agent.stop();
    expect((await agent.done).reason).toBe("stopped");
  });

  it("stop() cancels a start() that is retrying, and leaves nothing behind", async () => {
    const { emu, id, token } = await setup();
    emu.injectFault({ path: "/registry/register", status: 503, count: 1_000 });
    let retrying!: () => void;
    const warned = new Promise<void>((r) => (retrying = r));
    const agent = new RemoteAgent({
      client: clientFor(emu, id, token),
      handler: () => {},
      startAttempts: 50,
      logger: { warn: (msg) => msg.startsWith("register failed") && retrying() },
    });
    const starting = agent.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await warned; // waiting in its backoff now
    const t0 = Date.now();
    await agent.stop();
    const err = await starting;
    expect(isMoleculeError(err, "agent_stopped")).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2_000); // did not sit out the backoff
    expect((await agent.done).reason).toBe("stopped");
    await expect(agent.start()).rejects.toThrow(/already stopped/);
  });

  it("gives up after startAttempts transient failures with the last typed error", async () => {
    const { emu, id, token } = await setup();
    emu.injectFault({ path: "/registry/register", status: 503, count: 2 });
    const agent = new RemoteAgent({
      client: clientFor(emu, id, token),
      handler: () => {},
      startAttempts: 2,
    });
    cleanups.push(() => agent.stop());
    const err = await agent.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMoleculeError(err, "unavailable")).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    await agent.start(); // the platform is back: the same object starts
    expect(agent.delivery).toBe("poll");
  });
});
