// AdminClient against the emulator over HTTP, for what the platform's pull requests of 2026-05
// added for external workspaces: rotating their credentials and showing their connection block
// again (#2852), restarting one (#2412: a no-op on newer platforms), and `delivery_mode` sent on
// create (#2348). Each in both contracts: the April 2026 server has none of the routes.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { isMoleculeError, PlatformClient } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function setup(compat: "latest" | "2026-04"): Promise<{ emu: Emulator; admin: AdminClient }> {
  const emu = await startEmulator({ compat });
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  return { emu, admin };
}

async function heartbeatWith(emu: Emulator, id: string, token: string): Promise<number> {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: id, token });
  try {
    await client.heartbeat();
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  } finally {
    await client.close();
  }
}

describe("rotateExternalCredentials and getExternalConnection (latest)", () => {
  it("rotation returns the connection block with a new token, hidden from inspect; the old token is refused, the new one works", async () => {
    const { emu, admin } = await setup("latest");
    const created = await admin.createExternalWorkspace({ name: "ext" });
    const old = created.token!;
    const c = await admin.rotateExternalCredentials(created.id);
    expect(c).toMatchObject({
      workspaceId: created.id,
      platformUrl: emu.url,
      registryEndpoint: `${emu.url}/registry/register`,
      heartbeatEndpoint: `${emu.url}/registry/heartbeat`,
    });
    expect(Object.keys(c.snippets).sort()).toEqual([
      "claude_code_channel_snippet",
      "codex_snippet",
      "curl_register_template",
      "hermes_channel_snippet",
      "openclaw_snippet",
      "python_snippet",
      "universal_mcp_snippet",
    ]);
    expect(c.token).toMatch(/^\S{20,}$/);
    expect(c.token).not.toBe(old);
    expect(inspect(c)).not.toContain(c.token);
    expect(JSON.stringify(c.raw)).not.toContain(c.token);
    expect(await heartbeatWith(emu, created.id, old)).toBe(401);
    expect(await heartbeatWith(emu, created.id, c.token!)).toBe(200);
  });

  it("the connection block again has no token, and rotates nothing", async () => {
    const { emu, admin } = await setup("latest");
    const created = await admin.createExternalWorkspace({ name: "ext" });
    const c = await admin.getExternalConnection(created.id);
    expect(c.token).toBeUndefined();
    expect(c.workspaceId).toBe(created.id);
    expect(c.snippets["python_snippet"]).toContain(created.id);
    expect(await heartbeatWith(emu, created.id, created.token!)).toBe(200);
  });

  it("another runtime is refused with a bad_request that says what the routes are for; an unknown workspace is not_found", async () => {
    const { emu, admin } = await setup("latest");
    const res = await fetch(`${emu.url}/workspaces`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "docker", runtime: "langgraph" }),
    });
    const { id } = (await res.json()) as { id: string };
    const err = await admin.rotateExternalCredentials(id).catch((e: unknown) => e);
    expect(isMoleculeError(err, "bad_request")).toBe(true);
    expect((err as Error).message).toMatch(/not an external workspace .*restarting it/);
    const unknown = await admin
      .getExternalConnection("7b1d0f3e-0c45-4c1e-9a4b-3f3b1d2c4e5f")
      .catch((e: unknown) => e);
    expect(isMoleculeError(unknown, "not_found")).toBe(true);
    expect((unknown as Error).message).toMatch(/does not exist/);
  });
});

describe("on the April 2026 server", () => {
  it("the credential routes do not exist: not_found, saying they came later", async () => {
    const { admin } = await setup("2026-04");
    const created = await admin.createExternalWorkspace({ name: "ext" });
    const err = await admin.rotateExternalCredentials(created.id).catch((e: unknown) => e);
    expect(isMoleculeError(err, "not_found")).toBe(true);
    expect((err as Error).message).toMatch(/no external credential routes .*#2852/);
  });

  it("restart has no provisioner: an unavailable error, not retryable, that says to restart the agent", async () => {
    const { admin } = await setup("2026-04");
    const created = await admin.createExternalWorkspace({ name: "ext" });
    const err = await admin.restartWorkspace(created.id).catch((e: unknown) => e);
    expect(isMoleculeError(err, "unavailable")).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expect((err as Error).message).toMatch(/restarted by restarting its agent/);
  });
});

describe("restartWorkspace (latest)", () => {
  it("an external workspace's restart is a noop that revokes nothing (#2412)", async () => {
    const { emu, admin } = await setup("latest");
    const created = await admin.createExternalWorkspace({ name: "ext" });
    const r = await admin.restartWorkspace(created.id);
    expect(r).toMatchObject({ status: "noop", runtime: "external" });
    expect(r.message).toMatch(/operator-driven/);
    expect(await heartbeatWith(emu, created.id, created.token!)).toBe(200);
  });
});

describe.each(["latest", "2026-04"] as const)("createExternalWorkspace (%s)", (compat) => {
  it("always sends delivery_mode: poll without a url, push with one, or as given", async () => {
    const { emu, admin } = await setup(compat);
    // What the platform stored, as its agent meets it: a register that names no mode and no URL
    // gets the row's mode (registry.go resolveDeliveryMode), and a push row needs a URL (400). The
    // August server's GET /workspaces/:id does not show delivery_mode (real-server-2026-08.json).
    // The baseline has no such column: its view shows none (and its register needs a URL).
    const mode = async (input: Parameters<AdminClient["createExternalWorkspace"]>[0]) => {
      const ws = await admin.createExternalWorkspace(input);
      if (compat !== "latest") return (await admin.getWorkspace(ws.id))["delivery_mode"];
      const res = await fetch(`${emu.url}/registry/register`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ws.token!}` },
        body: JSON.stringify({ id: ws.id, agent_card: { name: "probe" } }),
      });
      const body = (await res.json()) as { delivery_mode?: string; error?: string };
      return res.status === 200 ? body.delivery_mode : `${res.status} ${body.error}`;
    };
    const push = "400 url is required for push-mode workspaces";
    const expected = (m: string) => (compat === "latest" ? m : undefined);
    expect(await mode({ name: "a" })).toBe(expected("poll"));
    // A public address literal: the August server resolves a host name at create (no DNS here).
    expect(await mode({ name: "b", url: "https://93.184.215.14/a2a" })).toBe(expected(push));
    expect(await mode({ name: "c", deliveryMode: "push" })).toBe(expected(push));
  });

  it("an unknown delivery mode is refused before any request", async () => {
    const { emu, admin } = await setup(compat);
    const before = await emu.admin.listWorkspaces(); // August: the seeded Org Concierge
    const err = await admin
      .createExternalWorkspace({ name: "a", deliveryMode: "carrier" as "poll" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "invalid_argument")).toBe(true);
    expect(await emu.admin.listWorkspaces()).toEqual(before);
  });
});
