// @molecule-ai/agent-core/testing: the env it returns is all an agent needs to connect, and a
// second workspace it creates is a peer that agent can call.
import { afterEach, describe, expect, it } from "vitest";
import { PlatformClient, readMoleculeEnv, RemoteAgent } from "../src/index.js";
import { startTestPlatform } from "../src/testing/index.js";
import type { TestPlatform } from "../src/testing/index.js";

let platform: TestPlatform | undefined;
let agent: RemoteAgent<PlatformClient> | undefined;
afterEach(async () => {
  await agent?.stop();
  await platform?.close();
  agent = platform = undefined;
});

describe.each(["latest", "2026-04"] as const)("startTestPlatform (%s contract)", (compat) => {
  it("returns the env of a workspace an agent connects with, and peers it can call", async () => {
    platform = await startTestPlatform({ name: "support", emulator: { compat } });
    const env = readMoleculeEnv({ ...platform.env });
    expect(env).toMatchObject({ platformUrl: platform.url, workspaceId: platform.workspace.id });
    expect(env.token).toBe(platform.workspace.token);

    const peer = await platform.addWorkspace("billing", { role: "billing" });
    const client = new PlatformClient({
      platformUrl: env.platformUrl!,
      workspaceId: env.workspaceId!,
      token: env.token!,
    });
    try {
      // The baseline has no poll delivery: registering there needs the agent's push URL.
      const url = compat === "2026-04" ? { url: "http://localhost:8080/a2a" } : {};
      await client.register({ ...url, agentCard: { name: "support" } });
      const peers = await client.listPeers();
      expect(peers.map((p) => p.name)).toContain("billing");
      if (compat === "2026-04") return;
      let answered!: (text: string) => void;
      const received = new Promise<string>((resolve) => (answered = resolve));
      const billing = new RemoteAgent({
        client: peer.client(),
        pollIntervalMs: 20,
        handler: (msg) => {
          answered(msg.text);
          return `billing got: ${msg.text}`;
        },
      });
      agent = billing;
      await billing.start();
      await client.callPeer(peer.id, "refund order 7");
      expect(await received).toBe("refund order 7");
    } finally {
      await client.close();
    }
  });
});

describe("startTestPlatform as a SaaS tenant (emulator: { orgId })", () => {
  it("the env carries MOLECULE_ORG_ID, and a client built from it passes the tenant guard", async () => {
    const orgId = "6f1c9a52-3d0e-4b7a-9c11-2e8f4d5a7b90";
    platform = await startTestPlatform({ emulator: { orgId } });
    expect(platform.env.MOLECULE_ORG_ID).toBe(orgId);
    const env = readMoleculeEnv({ ...platform.env });
    // origin: false, so the tenant's same-origin pass (its canvas's) does not let it through.
    const client = new PlatformClient({
      platformUrl: env.platformUrl!,
      workspaceId: env.workspaceId!,
      token: env.token!,
      orgId: env.orgId,
      origin: false,
    });
    try {
      expect(await client.getState()).toMatchObject({ removed: false });
    } finally {
      await client.close();
    }
  });
});
