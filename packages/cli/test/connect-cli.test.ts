// `molecule-agent connect`, spawned as the built bin against the emulator.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { freePort, waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("connect-home-");
const { run } = h;

describe("molecule-agent connect", () => {
  it("connects from environment variables, answers messages, and exits 0 on SIGTERM", async () => {
    // The agent's workspace as an admin creates it (push with no URL on August: connect registers it
    // for poll); the caller runs no agent, so it is created for poll and its answer is queued.
    const a = await h.emu.admin.createWorkspace({ name: "cli-agent" });
    const p = await h.emu.admin.createWorkspace({ name: "cli-peer", deliveryMode: "poll" });
    const cursorFile = join(h.home, "cursor");
    const r = run([`--handler`, HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_POLL_INTERVAL: "0.05",
      MOLECULE_CURSOR_FILE: cursorFile,
    });
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
    expect(r.out()).toContain(`[molecule] connected as ${a.id}`);
    expect(r.out()).toContain("delivery=poll");
    expect(r.out()).toContain("interval=0.05s");
    expect(r.out() + r.err()).not.toContain(a.token!);

    const peer = new PlatformClient({ platformUrl: h.emu.url, workspaceId: p.id, token: p.token! });
    const sent = await peer.callPeer(a.id, "hello cli", { messageId: randomUUID() });
    expect(sent.status).toBe("queued");
    await peer.close();
    await waitFor(() =>
      h.emu
        .activity(p.id)
        .some((row) => JSON.stringify(row["request_body"] ?? "").includes("cli-echo:hello cli")),
    );
    r.child.kill("SIGTERM");
    expect(await r.exit).toBe(0);
    expect(r.out()).toContain("shutting down cleanly");
    expect(r.err()).toBe("");
    const rows = h.emu.activity(a.id);
    expect(await readFile(cursorFile, "utf8")).toBe(
      // the last message's row (not the agent's own notify echoes, nor the checkpoint it left)
      rows.filter((x) => x["activity_type"] === "a2a_receive" && x["method"] !== "notify").at(-1)?.[
        "id"
      ],
    );
  });

  it("with MOLECULE_PUBLIC_URL: push, the platform's pushes (with its bearer) are answered", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-push" });
    const p = await h.emu.admin.createWorkspace({ name: "cli-push-caller" });
    const port = await freePort();
    const r = run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_PUBLIC_URL: `http://localhost:${port}/`,
      MOLECULE_PORT: String(port),
    });
    await waitFor(() => r.out().includes("connected as"));
    expect(r.out()).toContain(`delivery=push, url=http://localhost:${port}/<secret>`);
    const peer = new PlatformClient({ platformUrl: h.emu.url, workspaceId: p.id, token: p.token! });
    try {
      // the platform relays the peer's result as it wrote it (no server wraps it in markers)
      expect(await peer.callPeer(a.id, "pushed")).toMatchObject({
        status: "completed",
        text: "cli-echo:pushed",
      });
    } finally {
      await peer.close();
    }
    r.child.kill("SIGTERM");
    expect(await r.exit).toBe(0);
    expect(r.err()).toBe("");
  });

  it("exits 0 with a message when the workspace is paused", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-paused" });
    const r = run(
      [
        "--handler",
        HANDLER,
        "--platform-url",
        h.emu.url,
        "--workspace-id",
        a.id,
        "--token",
        a.token!,
      ],
      { MOLECULE_HEARTBEAT_INTERVAL: "0.05" },
    );
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
    await h.emu.admin.pause(a.id);
    expect(await r.exit).toBe(0);
    expect(r.out()).toContain("platform reports workspace paused");
  });

  it("reports handler resolution errors and missing settings with exit codes", async () => {
    const missing = run(["--handler", HANDLER]);
    expect(await missing.exit).not.toBe(0);
    expect(missing.err()).toMatch(/--platform-url/);

    const base = ["--platform-url", h.emu.url, "--workspace-id", "ws-x", "--token", "t"];
    const noExport = run(["--handler", `${HANDLER}#nope`, ...base]);
    expect(await noExport.exit).toBe(1);
    expect(noExport.err()).toMatch(/no export named "nope"/);

    const notFn = run(["--handler", `${HANDLER}#notAFunction`, ...base]);
    expect(await notFn.exit).toBe(1);
    expect(notFn.err()).toMatch(/not callable/);

    const noModule = run(["--handler", "./does-not-exist.mjs", ...base]);
    expect(await noModule.exit).toBe(1);
    expect(noModule.err()).toMatch(/could not import/);

    const badInterval = run(["--handler", HANDLER, ...base, "--poll-interval", "abc"]);
    expect(await badInterval.exit).toBe(1);
    expect(badInterval.err()).toMatch(/--poll-interval must be a positive number of seconds/);
  });

  it("names flags and environment variables in its errors, never library option names", async () => {
    const noHandler = run(["--platform-url", h.emu.url, "--workspace-id", randomUUID()]);
    expect(await noHandler.exit).toBe(1);
    expect(noHandler.err()).toContain("missing --handler (or MOLECULE_HANDLER)");

    const badId = run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: "ws-x",
    });
    expect(await badId.exit).toBe(1);
    expect(badId.err()).toContain("--workspace-id (MOLECULE_WORKSPACE_ID) must be a UUID");

    const badUrl = run(["--handler", HANDLER, "--platform-url", "localhost:8080"], {
      MOLECULE_WORKSPACE_ID: randomUUID(),
    });
    expect(await badUrl.exit).toBe(1);
    expect(badUrl.err()).toContain("--platform-url (MOLECULE_PLATFORM_URL) must");
    for (const r of [noHandler, badId, badUrl])
      expect(r.err()).not.toMatch(/\b(platformUrl|workspaceId)\b/);
  });

  it("exits 2 when registration fails", async () => {
    const r = run([
      "--handler",
      HANDLER,
      "--platform-url",
      h.emu.url,
      "--workspace-id",
      randomUUID(),
      "--token",
      "bogus",
    ]);
    expect(await r.exit).toBe(2);
    expect(r.err()).toMatch(/the platform rejected the workspace token \(401\)/);
    expect(r.err()).not.toContain("bogus");
  });
});
