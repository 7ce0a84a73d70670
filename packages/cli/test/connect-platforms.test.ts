// `molecule-agent connect` on the April-2026 platform with nothing but the README's variables:
// it picks push (that platform has no poll delivery), registers a URL the platform accepts, and a
// peer's call is answered. Also the deprecated variable names and MOLECULE_PUBLIC_URL/PORT.
import { describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { freePort, waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness, type ConnectRun } from "./connect-helpers.js";

const h = useConnectHarness("connect-2026-04-", { compat: "2026-04" });

async function answered(r: ConnectRun, agentId: string, text: string): Promise<unknown> {
  await waitFor(() => r.out().includes("connected as"));
  const p = await h.emu.admin.createWorkspace({ name: `caller-${text}` });
  const peer = new PlatformClient({ platformUrl: h.emu.url, workspaceId: p.id, token: p.token! });
  try {
    return await peer.callPeer(agentId, text);
  } finally {
    await peer.close();
  }
}

async function stop(r: ConnectRun): Promise<number | null> {
  r.child.kill("SIGTERM");
  return await r.exit;
}

describe("molecule-agent connect on the April-2026 platform", () => {
  it("with only the README's variables: push on a localhost URL, and a peer's call is answered", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-baseline" });
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
    });
    expect(await answered(r, a.id, "hello")).toMatchObject({
      status: "completed",
      text: "cli-echo:hello",
    });
    expect(r.out()).toMatch(/delivery=push, url=http:\/\/localhost:\d+\/<secret>\)/);
    expect(await stop(r)).toBe(0);
    expect(r.err()).toBe("");
  });

  it("accepts MOLECULE_URL, WORKSPACE_ID and MOLECULE_REPORTED_URL with deprecation warnings", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-old-names" });
    const port = await freePort();
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_URL: h.emu.url,
      WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_REPORTED_URL: `http://localhost:${port}/`,
      MOLECULE_PORT: String(port),
    });
    expect(await answered(r, a.id, "old")).toMatchObject({ text: "cli-echo:old" });
    expect(r.out()).toContain(`url=http://localhost:${port}/<secret>`);
    expect(await stop(r)).toBe(0);
    for (const [old, current] of [
      ["MOLECULE_URL", "MOLECULE_PLATFORM_URL"],
      ["WORKSPACE_ID", "MOLECULE_WORKSPACE_ID"],
      ["MOLECULE_REPORTED_URL", "MOLECULE_PUBLIC_URL"],
    ])
      expect(r.err()).toContain(
        `[molecule] warning: ${old} is deprecated: rename it to ${current}`,
      );
  });

  it("a restarted connect (kill -9, same workspace) keeps answering", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-restart" });
    const env = {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
    };
    const first = h.run(["--handler", HANDLER], env);
    expect(await answered(first, a.id, "one")).toMatchObject({ text: "cli-echo:one" });
    first.child.kill("SIGKILL");
    await first.exit;
    const second = h.run(["--handler", HANDLER], env);
    expect(await answered(second, a.id, "two")).toMatchObject({ text: "cli-echo:two" });
    expect(await stop(second)).toBe(0);
  });
});
