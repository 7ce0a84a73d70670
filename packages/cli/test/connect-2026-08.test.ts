// `molecule-agent connect` on the August-2026 platform (the server users run today), with the
// README's variables: every workspace lands under the seeded Org Concierge (offline, no URL), an
// admin-created workspace defaults to push there, and its pushes carry the platform's bearer.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, fetchInbound } from "@molecule-ai/agent-core";
import { freePort, waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness, type ConnectRun } from "./connect-helpers.js";

const h = useConnectHarness("connect-2026-08-", { compat: "2026-08" });

async function caller(name: string): Promise<PlatformClient> {
  const p = await h.emu.admin.createWorkspace({ name });
  return new PlatformClient({ platformUrl: h.emu.url, workspaceId: p.id, token: p.token! });
}

async function stop(r: ConnectRun): Promise<number | null> {
  r.child.kill("SIGTERM");
  return await r.exit;
}

describe("molecule-agent connect on the August-2026 platform", () => {
  it("with only the README's variables: poll delivery, and a peer's message is answered", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-august-poll" });
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_POLL_INTERVAL: "0.05",
    });
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 15_000 });
    expect(r.out()).toContain("delivery=poll");
    const peer = await caller("cli-august-caller");
    try {
      await peer.register({ agentCard: { name: "caller" }, deliveryMode: "poll" });
      const sent = await peer.callPeer(a.id, "hello august", { messageId: randomUUID() });
      expect(sent.status).toBe("queued");
      const answer = await waitFor(
        async () => (await fetchInbound(peer)).find((m) => m.sourceId === a.id)?.text,
        { timeoutMs: 15_000 },
      );
      expect(answer).toBe("cli-echo:hello august");
    } finally {
      await peer.close();
    }
    expect(await stop(r)).toBe(0);
    expect(r.err()).toBe("");
    expect(r.out()).not.toContain(a.token!);
  });

  it("with MOLECULE_PUBLIC_URL: push, the platform's pushes (with its bearer) are answered", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-august-push" });
    const port = await freePort();
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      MOLECULE_PUBLIC_URL: `http://localhost:${port}/`,
      MOLECULE_PORT: String(port),
    });
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 15_000 });
    expect(r.out()).toContain(`delivery=push, url=http://localhost:${port}/<secret>`);
    const peer = await caller("cli-august-push-caller");
    try {
      // the platform wraps a peer's result in its OFFSEC-003 markers, as every newer platform does
      expect(await peer.callPeer(a.id, "pushed")).toMatchObject({
        status: "completed",
        text: expect.stringContaining("\ncli-echo:pushed\n"),
      });
    } finally {
      await peer.close();
    }
    expect(await stop(r)).toBe(0);
    expect(r.err()).toBe("");
  });
});
