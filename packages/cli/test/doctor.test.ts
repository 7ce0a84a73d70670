// `molecule-agent doctor` against the emulator in two contracts (latest, the August-2026 server, and
// the April-2026 baseline): healthy (poll and push), and
// each failure it must explain — platform down, no token, bad token, never connected, workspace
// removed, paused, agent gone (push URL unreachable), no heartbeat for 90 s — with a fix each,
// the exit code, and the token never printed.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { freePort, waitFor } from "@internal/test-utils";
import { doctor, statuses } from "./doctor-helpers.js";
import { HANDLER, useConnectHarness, type ConnectRun } from "./connect-helpers.js";

async function stop(r: ConnectRun): Promise<void> {
  r.child.kill("SIGTERM");
  await r.exit;
}

const harnesses = {
  latest: useConnectHarness("doctor-latest-"),
  "2026-04": useConnectHarness("doctor-2026-04-", { compat: "2026-04" }),
} as const;

// Spawned agents and two doctor runs per test: generous bounds for a loaded machine.
describe.each(["latest", "2026-04"] as const)(
  "molecule-agent doctor (%s)",
  { timeout: 60_000 },
  (compat) => {
    const h = harnesses[compat];

    async function workspace(name: string): Promise<{ id: string; token: string }> {
      const ws = await h.emu.admin.createWorkspace({ name });
      return { id: ws.id, token: ws.token! };
    }

    async function connect(
      ws: { id: string; token: string },
      args: string[] = [],
    ): Promise<ConnectRun> {
      const r = h.run(["--handler", HANDLER, ...args], {
        MOLECULE_PLATFORM_URL: h.emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token,
      });
      await waitFor(() => r.out().includes("connected as"));
      return r;
    }

    const flags = (ws: { id: string; token: string }) => ({
      platformUrl: h.emu.url,
      workspaceId: ws.id,
      token: ws.token,
      timeout: "15",
    });

    it("healthy with the default delivery: every check passes, exit 0, the token is not printed", async () => {
      const ws = await workspace("doc-healthy");
      const agent = await connect(ws);
      try {
        const r = await doctor(flags(ws));
        expect(r.code).toBe(0);
        expect(statuses(r)).toEqual({
          platform: "ok",
          token: "ok",
          contract: "ok",
          registration: "ok",
          heartbeat: "ok",
          // poll on the newer platforms: nothing to probe; push on the baseline: probed
          push: compat === "2026-04" ? "ok" : "skip",
        });
        expect(r.checks["contract"]!.detail).toMatch(
          compat === "2026-04" ? /^April-2026/ : /^May-2026 or newer platform: /,
        );
        expect(r.checks["registration"]!.detail).toMatch(
          {
            latest:
              /^status online, delivery poll \(no URL; this platform does not report the mode\)$/,
            "2026-04": /^status online, delivery push to http:\/\/localhost:\d+\/<secret>$/,
          }[compat],
        );
        expect(r.text).toContain("all checks passed");
        expect(r.text).not.toContain(ws.token);
        expect(r.checks["push"]!.detail).toMatch(
          {
            // its workspace read does not say the delivery mode
            latest: /^no registered URL, so the platform never calls the agent \(poll delivery;/,
            "2026-04": /reached the agent at http:\/\/localhost:\d+\/<secret>/,
          }[compat],
        );
        // the probe went through the platform's proxy as tasks/get: no message for the handler
        const methods = h.emu.activity(ws.id).map((row) => row["method"]);
        expect(methods.includes("tasks/get")).toBe(compat === "2026-04");
        expect(methods).not.toContain("message/send");
      } finally {
        await stop(agent);
      }
    });

    it("healthy with push delivery: the platform reaches the agent through its proxy", async () => {
      const ws = await workspace("doc-push");
      const agent = await connect(ws, ["--delivery", "push"]);
      try {
        const r = await doctor(flags(ws));
        expect(r.code).toBe(0);
        expect(r.checks["push"]).toMatchObject({ status: "ok" });
        expect(r.checks["registration"]!.detail).toMatch(
          /delivery push to http:\/\/localhost:\d+\/<secret>$/,
        );
      } finally {
        await stop(agent);
      }
    });

    it("push URL unreachable (the agent was killed with -9): push fails with the fix, exit 1", async () => {
      const ws = await workspace("doc-killed");
      const agent = await connect(ws, ["--delivery", "push"]);
      agent.child.kill("SIGKILL");
      await agent.exit;
      const r = await doctor(flags(ws));
      expect(r.code).toBe(1);
      expect(r.checks["push"]).toMatchObject({ status: "fail" });
      expect(r.checks["push"]!.detail).toMatch(
        /cannot reach the agent at http:\/\/localhost:\d+\/<secret>$/,
      );
      expect(r.checks["push"]!.fix).toContain("MOLECULE_PUBLIC_URL");
      expect(r.text).toMatch(/\[FAIL\] push .*\n\s+fix: is the agent running\?/);
      expect(r.text).toContain("1 check failed (what each line means: ");
      expect(r.text).toContain("/docs/troubleshooting.md)");

      // 90 s later without a heartbeat the platform marks it offline (latest, August 2026: an external
      // workspace goes back to awaiting_agent, its last heartbeat still shown): heartbeat fails too
      h.emu.advanceClock(91_000);
      const later = await doctor(flags(ws));
      expect(later.checks["heartbeat"]).toMatchObject({ status: "fail" });
      expect(later.checks["heartbeat"]!.detail).toContain(
        `none for over 90 s (status ${compat === "latest" ? "awaiting_agent" : "offline"}`,
      );
      expect(later.checks["registration"]!.detail).not.toContain("no agent has registered");
      expect(later.checks["push"]).toMatchObject({
        status: "skip",
        detail: "the agent is not online",
      });
    });

    it("never connected: registration and heartbeat fail and say to start the agent", async () => {
      const ws = await workspace("doc-never");
      const r = await doctor(flags(ws));
      expect(r.code).toBe(1);
      expect(statuses(r)).toMatchObject({ token: "ok", registration: "fail", heartbeat: "fail" });
      expect(r.checks["registration"]!.detail).toContain("no agent has registered");
      expect(r.checks["registration"]!.fix).toContain("molecule-agent connect");
    });

    it("bad token: the token check fails, the value is never printed", async () => {
      const ws = await workspace("doc-badtoken");
      const bad = `not-the-token-${randomUUID()}`;
      const r = await doctor({ ...flags(ws), token: bad });
      expect(r.code).toBe(1);
      expect(r.checks["token"]).toMatchObject({ status: "fail" });
      expect(r.checks["token"]!.detail).toContain("rejected the token");
      expect(r.checks["token"]!.fix).toContain("MOLECULE_WORKSPACE_TOKEN");
      expect(r.checks["contract"]).toMatchObject({ status: "skip" });
      expect(r.text + r.err).not.toContain(bad);
    });

    it("no token anywhere: says which variable or file to set", async () => {
      const r = await doctor({ platformUrl: h.emu.url, workspaceId: randomUUID(), timeout: "5" });
      expect(r.code).toBe(1);
      expect(r.checks["token"]).toMatchObject({ status: "fail" });
      expect(r.checks["token"]!.fix).toMatch(/MOLECULE_WORKSPACE_TOKEN .*\.auth_token/);
    });

    it("workspace removed: registration fails and says to create a new one", async () => {
      const ws = await workspace("doc-removed");
      await h.emu.admin.deleteWorkspace(ws.id);
      const r = await doctor(flags(ws));
      expect(r.code).toBe(1);
      expect(r.checks["registration"]).toMatchObject({
        status: "fail",
        detail: `workspace ${ws.id} was removed from the platform`,
      });
      expect(r.checks["registration"]!.fix).toContain("MOLECULE_WORKSPACE_ID");
      expect(r.checks["token"]!.status).not.toBe("ok");
    });

    it("paused: registration fails and says to resume it", async () => {
      const ws = await workspace("doc-paused");
      await h.emu.admin.pause(ws.id);
      const r = await doctor(flags(ws));
      expect(r.code).toBe(1);
      expect(r.checks["registration"]).toMatchObject({ status: "fail" });
      expect(r.checks["registration"]!.detail).toContain("paused");
      expect(r.checks["registration"]!.fix).toContain("resume");
    });

    it("paused: an agent started plainly refuses (the workspace stays paused), and the doctor's advice resumes it", async () => {
      const ws = await workspace("doc-paused-advice");
      await h.emu.admin.pause(ws.id);
      const env = {
        MOLECULE_PLATFORM_URL: h.emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token,
      };
      const plain = h.run(["--handler", HANDLER], env);
      expect(await plain.exit).toBe(2);
      expect(plain.err().trim().split("\n")).toEqual([
        `[molecule] workspace ${ws.id} is paused, and starting would resume it: to resume it, start with MOLECULE_RESUME=1 or --resume (the agent asks the platform to resume it, then registers)`,
      ]);
      expect((await h.emu.admin.getWorkspace(ws.id))["status"]).toBe("paused");

      const advice = (await doctor(flags(ws))).checks["registration"]!.fix!;
      expect(advice).toContain("--resume");
      const resumed = h.run(["--handler", HANDLER, "--resume"], env);
      await waitFor(() => resumed.out().includes("connected as"));
      expect((await h.emu.admin.getWorkspace(ws.id))["status"]).toBe("online");
      await stop(resumed);
    });

    it("platform down: platform fails with the flag to check, the rest is skipped", async () => {
      const port = await freePort();
      const r = await doctor({
        platformUrl: `http://127.0.0.1:${port}`,
        workspaceId: randomUUID(),
        token: "t",
        timeout: "5",
      });
      expect(r.code).toBe(1);
      expect(r.checks["platform"]).toMatchObject({ status: "fail" });
      expect(r.checks["platform"]!.detail).toContain("ECONNREFUSED");
      expect(r.checks["platform"]!.fix).toContain("--platform-url (MOLECULE_PLATFORM_URL)");
      expect(Object.values(r.checks).filter((c) => c.status === "skip")).toHaveLength(5);
    });
  },
);

describe("molecule-agent doctor: bad input names the flag and the variable (exit 2)", () => {
  it.each([
    [
      {},
      "missing --platform-url (or MOLECULE_PLATFORM_URL) and --workspace-id (or MOLECULE_WORKSPACE_ID)",
    ],
    [
      { platformUrl: "ftp://x", workspaceId: randomUUID() },
      "--platform-url (MOLECULE_PLATFORM_URL) must use http or https",
    ],
    [
      { platformUrl: "http://127.0.0.1:1", workspaceId: "ws-1" },
      "--workspace-id (MOLECULE_WORKSPACE_ID) must be a UUID",
    ],
    [
      { platformUrl: "http://127.0.0.1:1", workspaceId: randomUUID(), timeout: "soon" },
      "--timeout must be a positive number of seconds",
    ],
  ])("%j", async (opts, message) => {
    const r = await doctor(opts);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toMatch(/\b(platformUrl|workspaceId)\b/);
  });
});
