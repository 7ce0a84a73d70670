// `molecule-agent connect` and `doctor` against a SaaS tenant's answers (middleware/tenant_guard.go:
// 400 TENANT_ORG_HEADER_REQUIRED without X-Molecule-Org-Id, a bare empty 404 with another org's
// id), injected for one workspace's routes: each is one line naming MOLECULE_ORG_ID / --org-id,
// never "check the arguments", "create a workspace" or "the registered URL is stale". And a
// rejected token read from a token file names that file, not MOLECULE_WORKSPACE_TOKEN.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { doctor, statuses } from "./doctor-helpers.js";
import { BIN, HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("saas-tenant-");

/** The tenant guard's answer to a request without the org header (the server's words). */
const MISSING_ORG = {
  error: "missing tenant routing header",
  code: "TENANT_ORG_HEADER_REQUIRED",
  required_header: "X-Molecule-Org-Id",
  detail: "SaaS tenant API requests must include X-Molecule-Org-Id matching the organization UUID.",
};

/** The guarded routes of one workspace (register and heartbeat pass the guard). */
const routesOf = (id: string): RegExp => new RegExp(`^/workspaces/${id}(/|$)`);

async function workspace(name: string): Promise<{ id: string; token: string }> {
  const ws = await h.emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  return { id: ws.id, token: ws.token! };
}

/** The one stderr line. */
function oneLine(err: string): string {
  const lines = err.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("molecule-agent connect on a SaaS tenant", { timeout: 60_000 }, () => {
  it("without the org id: exit 2 and one line naming MOLECULE_ORG_ID or --org-id", async () => {
    const ws = await workspace("tenant-missing");
    const remove = h.emu.injectFault({
      path: routesOf(ws.id),
      status: 400,
      body: MISSING_ORG,
      count: 1000,
    });
    try {
      const r = h.run(["--handler", HANDLER], {
        MOLECULE_PLATFORM_URL: h.emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token,
      });
      expect(await r.exit).toBe(2);
      expect(oneLine(r.err())).toBe(
        "[molecule] the platform is a SaaS tenant and needs its organisation id: set MOLECULE_ORG_ID or --org-id to your organisation's id (when it is set, something between here and the platform drops the X-Molecule-Org-Id header)",
      );
    } finally {
      remove();
    }
  });

  it("with a wrong org id: one line naming both causes (the org id, the workspace)", async () => {
    const ws = await workspace("tenant-wrong");
    const remove = h.emu.injectFault({ path: routesOf(ws.id), status: 404, body: "", count: 1000 });
    try {
      const r = h.run(["--handler", HANDLER], {
        MOLECULE_PLATFORM_URL: h.emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token,
        MOLECULE_ORG_ID: "another-org",
      });
      expect(await r.exit).toBe(2);
      expect(oneLine(r.err())).toBe(
        `[molecule] the platform answered 404 with an empty body: the org id is wrong, or workspace ${ws.id} does not exist (a SaaS tenant answers both alike): check MOLECULE_ORG_ID or --org-id and MOLECULE_WORKSPACE_ID or --workspace-id`,
      );
    } finally {
      remove();
    }
  });

  it("a rejected token read from MOLECULE_WORKSPACE_TOKEN_FILE: the line names that file", async () => {
    const ws = await workspace("tenant-token-file");
    const file = join(h.home, "wrong.token");
    await writeFile(file, "not-the-token\n");
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN_FILE: file,
    });
    expect(await r.exit).toBe(2);
    expect(oneLine(r.err())).toBe(
      `[molecule] the platform rejected the workspace token read from ${file} (401): write into that file (MOLECULE_WORKSPACE_TOKEN_FILE or --token-file) the token the platform issued for this workspace (the canvas shows it once when the workspace is created; after a rotation, the new one)`,
    );
  });
});

describe("molecule-agent send on a SaaS tenant", { timeout: 60_000 }, () => {
  it("MOLECULE_ORG_ID of another org: exit 1 and one line naming the org id or the workspace", async () => {
    const me = await workspace("send-me");
    const peer = await workspace("send-peer");
    const remove = h.emu.injectFault({
      path: new RegExp(`^/workspaces/(${me.id}|${peer.id})(/|$)`),
      status: 404,
      body: "",
      count: 1000,
    });
    try {
      const child = spawn(process.execPath, [BIN, "send", peer.id, "hello"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: h.home,
          MOLECULE_PLATFORM_URL: h.emu.url,
          MOLECULE_WORKSPACE_ID: me.id,
          MOLECULE_WORKSPACE_TOKEN: me.token,
          MOLECULE_ORG_ID: "another-org",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect(code).toBe(1);
      expect(oneLine(err)).toMatch(
        /the org id is wrong, or .* does not exist \(a SaaS tenant answers both alike\): check MOLECULE_ORG_ID or --org-id/,
      );
    } finally {
      remove();
    }
  });
});

describe("molecule-agent doctor on a SaaS tenant", { timeout: 60_000 }, () => {
  it("without the org id: registration fails with the --org-id fix; the token is not blamed", async () => {
    const ws = await workspace("doc-tenant-missing");
    const remove = h.emu.injectFault({
      path: routesOf(ws.id),
      status: 400,
      body: MISSING_ORG,
      count: 1000,
    });
    try {
      const r = await doctor({ platformUrl: h.emu.url, workspaceId: ws.id, token: ws.token });
      expect(r.code).toBe(1);
      expect(statuses(r)).toEqual({
        platform: "ok",
        token: "skip",
        contract: "skip",
        registration: "fail",
        heartbeat: "skip",
        push: "skip",
      });
      expect(r.checks["registration"]).toMatchObject({
        detail:
          "the platform is a SaaS tenant and refused the request without its organisation id (400 TENANT_ORG_HEADER_REQUIRED)",
        fix: expect.stringMatching(/^set --org-id \(MOLECULE_ORG_ID\) to your organisation's id/),
      });
      expect(r.text).not.toContain("check the arguments");
      expect(r.text).not.toContain(ws.token);
    } finally {
      remove();
    }
  });

  it("with a wrong org id: the org id or the workspace, never 'create a workspace'", async () => {
    const ws = await workspace("doc-tenant-wrong");
    const remove = h.emu.injectFault({ path: routesOf(ws.id), status: 404, body: "", count: 1000 });
    try {
      const r = await doctor({
        platformUrl: h.emu.url,
        workspaceId: ws.id,
        token: ws.token,
        orgId: "another-org",
      });
      expect(r.code).toBe(1);
      expect(statuses(r)).toMatchObject({ token: "skip", registration: "fail" });
      expect(r.checks["registration"]).toEqual({
        id: "registration",
        status: "fail",
        detail: `the platform answered 404 with an empty body: the org id is wrong, or workspace ${ws.id} does not exist (a SaaS tenant answers both alike)`,
        fix: "check --org-id (MOLECULE_ORG_ID) against your organisation's id, and --workspace-id (MOLECULE_WORKSPACE_ID)",
      });
      expect(r.text).not.toMatch(/create a workspace|stale/);
    } finally {
      remove();
    }
  });

  it("MOLECULE_ORG_ID set, a workspace the platform does not hold (its JSON 404): still 'does not exist'", async () => {
    const id = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
    const r = await doctor({ platformUrl: h.emu.url, workspaceId: id, orgId: "some-org" });
    expect(r.checks["registration"]).toMatchObject({
      status: "fail",
      detail: `workspace ${id} does not exist on this platform`,
    });
  });
});
