// A hosted (SaaS tenant) platform, over real HTTP against the emulator: MOLECULE_ORG_ID is read
// with the other variables; the tenant guard's answers (middleware/tenant_guard.go) become errors
// naming MOLECULE_ORG_ID: 400 TENANT_ORG_HEADER_REQUIRED without the header (`org_id_required`), a
// bare empty 404 with a wrong one (`org_or_workspace_not_found`, never "no such workspace"); and a
// push agent on loopback registered with a platform that is not on loopback is warned at start.
import { Agent, buildConnector } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { AdminClient } from "../src/public/admin.js";
import { isMoleculeError, PlatformClient, readMoleculeEnv, RemoteAgent } from "../src/index.js";
import { describeStartError } from "../src/adapters/index.js";
import { unreachablePushUrl } from "../src/agent/source/push-url-reach.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** The tenant guard's answer to a request without `X-Molecule-Org-Id` (recorded server text). */
const MISSING_ORG = {
  error: "missing tenant routing header",
  code: "TENANT_ORG_HEADER_REQUIRED",
  required_header: "X-Molecule-Org-Id",
  detail: "SaaS tenant API requests must include X-Molecule-Org-Id matching the organization UUID.",
};

/** Every path the tenant guard does not let through without the header. */
const GUARDED = /^\/(?!health$|buildinfo$|metrics$|registry\/register$|registry\/heartbeat$|cp\/)/;

async function setup(orgId?: string) {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
  const token = ws.token ?? (await emu.admin.createToken(ws.id));
  const env = readMoleculeEnv({
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: ws.id,
    MOLECULE_WORKSPACE_TOKEN: token,
    ...(orgId ? { MOLECULE_ORG_ID: ` ${orgId} ` } : {}),
  });
  const client = new PlatformClient({
    platformUrl: env.platformUrl!,
    workspaceId: env.workspaceId!,
    token: env.token!,
    orgId: env.orgId,
  });
  cleanups.push(() => client.close());
  return { emu, ws, client, env };
}

describe("MOLECULE_ORG_ID", () => {
  it("readMoleculeEnv reads it (trimmed) beside the other variables", () => {
    expect(readMoleculeEnv({ MOLECULE_ORG_ID: " 0f9e-org " }).orgId).toBe("0f9e-org");
    expect(readMoleculeEnv({}).orgId).toBeUndefined();
  });
});

/** Sets MOLECULE_ORG_ID for one test. */
function orgEnv(value: string | undefined): void {
  const before = process.env["MOLECULE_ORG_ID"];
  if (value === undefined) delete process.env["MOLECULE_ORG_ID"];
  else process.env["MOLECULE_ORG_ID"] = value;
  cleanups.push(() => {
    if (before === undefined) delete process.env["MOLECULE_ORG_ID"];
    else process.env["MOLECULE_ORG_ID"] = before;
  });
}

describe("PlatformClient and AdminClient without orgId", () => {
  it('read MOLECULE_ORG_ID (trimmed), as the error of a tenant\'s 400 advises; orgId: "" sends none', async () => {
    const orgId = "6d1e2f3a-0000-4000-8000-00000000abcd";
    const emu = await startEmulator({ orgId });
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const token = ws.token ?? (await emu.admin.createToken(ws.id));
    orgEnv(` ${orgId} `);
    // No Origin: the emulator lets a same-origin request through as the tenant's canvas.
    const base = { platformUrl: emu.url, origin: false as const };
    const client = new PlatformClient({ ...base, workspaceId: ws.id, token });
    const admin = new AdminClient({ ...base, adminToken: emu.adminToken });
    const none = new PlatformClient({ ...base, workspaceId: ws.id, token, orgId: "" });
    cleanups.push(
      () => client.close(),
      () => admin.close(),
      () => none.close(),
    );
    expect((await client.getState()).removed).toBe(false);
    expect((await admin.getWorkspace(ws.id)).id).toBe(ws.id);
    const err = await none.getState().catch((e: unknown) => e);
    expect(isMoleculeError(err, "org_id_required")).toBe(true);
    // Unset: nothing is sent, and the tenant says so.
    orgEnv(undefined);
    const bare = new PlatformClient({ ...base, workspaceId: ws.id, token });
    cleanups.push(() => bare.close());
    const unset = await bare.getState().catch((e: unknown) => e);
    expect(isMoleculeError(unset, "org_id_required")).toBe(true);
  });
});

describe("a SaaS tenant's 400 without the org id", () => {
  it("is org_id_required, not retryable, one line naming MOLECULE_ORG_ID (not 'check the arguments')", async () => {
    const { emu, client } = await setup();
    emu.injectFault({ path: GUARDED, status: 400, body: MISSING_ORG, count: 1 });
    const err = await client.getState().catch((e: unknown) => e);
    expect(isMoleculeError(err, "org_id_required")).toBe(true);
    expect(err).toMatchObject({ status: 400, retryable: false });
    expect((err as Error).message).toContain("set MOLECULE_ORG_ID (or pass orgId)");
    expect((err as Error).message).not.toContain("check the arguments");
    expect(describeStartError(err)).toBe(
      "the platform is a SaaS tenant and needs its organisation id: set MOLECULE_ORG_ID to your organisation's id (when it is set, something between here and the platform drops the X-Molecule-Org-Id header)",
    );
    expect(describeStartError(err, { flags: true })).toContain("MOLECULE_ORG_ID or --org-id");
  });

  it("an agent's start fails with it at once: register and heartbeat pass the guard, the state read does not", async () => {
    const { emu, client } = await setup();
    emu.injectFault({ path: GUARDED, status: 400, body: MISSING_ORG, count: 1000 });
    const agent = new RemoteAgent({
      client,
      handler: () => "hi",
      delivery: "poll",
      eventWakeups: false,
      logger: {},
    });
    cleanups.push(() => agent.stop());
    const err = await agent.start().catch((e: unknown) => e);
    expect(isMoleculeError(err, "org_id_required")).toBe(true);
    expect(describeStartError(err)).toMatch(
      /^the platform is a SaaS tenant .* set MOLECULE_ORG_ID /,
    );
  });

  it("a 400 of the platform's own stays bad_request", async () => {
    const { emu, client } = await setup();
    emu.injectFault({ path: GUARDED, status: 400, body: { error: "invalid id" }, count: 1 });
    const err = await client.getState().catch((e: unknown) => e);
    expect(isMoleculeError(err, "bad_request")).toBe(true);
  });
});

describe("a SaaS tenant's empty 404 to a wrong org id", () => {
  it("names both causes, the org id and the workspace, and is not 'the platform does not know the workspace'", async () => {
    const { emu, client, ws } = await setup("wrong-org");
    emu.injectFault({ path: GUARDED, status: 404, body: "", count: 1 });
    const err = await client.getState().catch((e: unknown) => e);
    expect(isMoleculeError(err, "org_or_workspace_not_found")).toBe(true);
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect((err as Error).message).toContain(
      "the org id is wrong, or the workspace does not exist",
    );
    const line = describeStartError(err, { workspaceId: ws.id, flags: true });
    expect(line).toBe(
      `the platform answered 404 with an empty body: the org id is wrong, or workspace ${ws.id} does not exist (a SaaS tenant answers both alike): check MOLECULE_ORG_ID or --org-id and MOLECULE_WORKSPACE_ID or --workspace-id`,
    );
  });

  it("a peer call through the proxy says the same (a peer's own 404 arrives wrapped in JSON)", async () => {
    const { emu, client } = await setup("wrong-org");
    const peer = await emu.admin.createWorkspace({ name: "peer", deliveryMode: "poll" });
    emu.injectFault({ path: "/workspaces/:id/a2a", status: 404, body: "", count: 1 });
    const err = await client.callPeer(peer.id, "hello").catch((e: unknown) => e);
    expect(isMoleculeError(err, "org_or_workspace_not_found")).toBe(true);
  });

  it("a JSON 404 (the platform's own) or an empty one without an org id stays not_found", async () => {
    const withOrg = await setup("some-org");
    withOrg.emu.injectFault({
      path: GUARDED,
      status: 404,
      body: { error: "workspace not found" },
      count: 1,
    });
    const own = await withOrg.client.getState().catch((e: unknown) => e);
    expect(isMoleculeError(own, "not_found")).toBe(true);
    const without = await setup();
    without.emu.injectFault({ path: GUARDED, status: 404, body: "", count: 1 });
    const empty = await without.client.getState().catch((e: unknown) => e);
    expect(isMoleculeError(empty, "not_found")).toBe(true);
  });
});

describe("against the emulator's tenant mode (orgId: the server's MOLECULE_ORG_ID)", () => {
  const ORG = "6f1c9a52-3d0e-4b7a-9c11-2e8f4d5a7b90";

  /**
   * A client from the variables. `origin: false`: the tenant lets a same-origin canvas request
   * through (Origin = http(s)://<Host>, CANVAS_PROXY_URL set), and the SDK's default Origin is the
   * platform URL's own, which passes that check wherever the tenant sees the URL's host.
   */
  async function tenant(orgId: string | undefined) {
    const emu = await startEmulator({ orgId: ORG });
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const env = readMoleculeEnv({
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      ...(orgId ? { MOLECULE_ORG_ID: orgId } : {}),
    });
    const client = new PlatformClient({
      platformUrl: env.platformUrl!,
      workspaceId: env.workspaceId!,
      token: env.token!,
      orgId: env.orgId,
      origin: false,
    });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({
      client,
      handler: (m) => `echo: ${m.text}`,
      delivery: "poll",
      eventWakeups: false,
      logger: {},
    });
    cleanups.push(() => agent.stop());
    return {
      emu,
      ws,
      agent,
      client,
      start: () =>
        agent.start().then(
          () => undefined,
          (e: unknown) => e,
        ),
    };
  }

  it("MOLECULE_ORG_ID set: the agent starts, and its guarded reads pass", async () => {
    const { start, client } = await tenant(ORG);
    expect(await start()).toBeUndefined();
    expect(await client.getState()).toMatchObject({ status: "online", removed: false });
    expect(Array.isArray(await client.listPeers())).toBe(true);
  });

  it("MOLECULE_ORG_ID unset: start fails with org_id_required, one line naming MOLECULE_ORG_ID", async () => {
    const { start } = await tenant(undefined);
    const err = await start();
    expect(isMoleculeError(err, "org_id_required")).toBe(true);
    expect(describeStartError(err)).toMatch(/^the platform is a SaaS tenant .*MOLECULE_ORG_ID/);
  });

  it("another org's id: start fails with org_or_workspace_not_found, naming both causes", async () => {
    const { ws, start } = await tenant("00000000-0000-4000-8000-000000000000");
    const err = await start();
    expect(isMoleculeError(err, "org_or_workspace_not_found")).toBe(true);
    expect(describeStartError(err, { workspaceId: ws.id })).toContain(
      `the org id is wrong, or workspace ${ws.id} does not exist`,
    );
  });
});

describe("a loopback push URL with a platform that is not on loopback", () => {
  it("is named in one warning at start; the same agent with a loopback platform URL gets none", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const port = new URL(emu.url).port;
    // The platform under a name that is not loopback: every connection still goes to the emulator.
    const connect = buildConnector({});
    const dispatcher = new Agent({
      connect: (opts, callback) => connect({ ...opts, hostname: "127.0.0.1" }, callback),
    });
    cleanups.push(() => dispatcher.close());
    const run = async (platformUrl: string): Promise<string[]> => {
      const ws = await emu.admin.createWorkspace({ name: "pusher" });
      const client = new PlatformClient({
        platformUrl,
        workspaceId: ws.id,
        token: ws.token ?? (await emu.admin.createToken(ws.id)),
        dispatcher,
        livenessDispatcher: dispatcher,
        streamDispatcher: dispatcher,
      });
      cleanups.push(() => client.close());
      const warnings: string[] = [];
      const agent = new RemoteAgent({
        client,
        handler: () => "hi",
        delivery: { mode: "push" },
        eventWakeups: false,
        logger: { warn: (msg) => warnings.push(msg) },
      });
      cleanups.push(() => agent.stop());
      await agent.start();
      expect(agent.pushUrl).toMatch(/^http:\/\/localhost:\d+\//);
      await agent.stop();
      return warnings.filter((w) => w.includes("on loopback"));
    };
    const remote = await run(`http://platform.example:${port}`);
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatch(
      /^the push URL http:\/\/localhost:\d+\/<secret> is on loopback, but the platform http:\/\/platform\.example:\d+ is not: .*set MOLECULE_PUBLIC_URL \(publicUrl\)/,
    );
    expect(await run(emu.url)).toEqual([]);
  });

  it("the rule: loopback names and addresses (localhost, 127/8, ::1) on both sides", () => {
    const push = "http://localhost:9000/s";
    expect(unreachablePushUrl("https://acme.moleculesai.app", push)).toBeDefined();
    expect(
      unreachablePushUrl("https://acme.moleculesai.app", "http://127.0.0.2:9/s"),
    ).toBeDefined();
    expect(unreachablePushUrl("https://acme.moleculesai.app", "http://[::1]:9/s")).toBeDefined();
    expect(unreachablePushUrl("https://acme.moleculesai.app", "https://agent.example/s")).toBe(
      undefined,
    );
    expect(unreachablePushUrl("http://127.0.0.1:8080", push)).toBeUndefined();
    expect(unreachablePushUrl("http://localhost:8080", push)).toBeUndefined();
    expect(unreachablePushUrl("http://[::1]:8080", push)).toBeUndefined();
  });
});
