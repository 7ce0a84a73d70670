// createPeerMessageHandler as a RemoteAgent handler with poll delivery against the emulator:
// history is kept per peer, replies go back through the platform.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { ToolLoopAgent } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";
import { usage } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

it("answers polled messages with a ToolLoopAgent, keeping history per peer", async () => {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const mk = async (name: string) => {
    // For poll, as real users create an external workspace: on August 2026 an admin-created
    // workspace is push with no URL, so a reply to a caller that never registered would fail.
    const ws = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => client.close());
    return client;
  };
  const me = await mk("me");
  const alice = await mk("alice");
  const bob = await mk("bob");

  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const users = prompt.filter((m) => m.role === "user");
      const last = users
        .at(-1)
        ?.content.map((p) => (p.type === "text" ? p.text : ""))
        .join("");
      return {
        content: [{ type: "text", text: `re: ${last} (turn ${users.length})` }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      };
    },
  });
  const agent = new RemoteAgent({
    client: me,
    delivery: "poll",
    pollIntervalMs: 50,
    handler: createPeerMessageHandler(new ToolLoopAgent({ model, instructions: "Be brief." })),
  });
  cleanups.push(() => agent.stop());
  await agent.start();

  const repliesTo = (client: PlatformClient) =>
    emu
      .activity(client.workspaceId)
      .map((r) => JSON.stringify(r["request_body"] ?? ""))
      .filter((s) => s.includes("re: "));

  await alice.callPeer(me.workspaceId, "one");
  await waitFor(() => repliesTo(alice).length === 1);
  await bob.callPeer(me.workspaceId, "hello");
  await waitFor(() => repliesTo(bob).length === 1);
  await alice.callPeer(me.workspaceId, "two");
  await waitFor(() => repliesTo(alice).length === 2);

  expect(repliesTo(alice)[0]).toContain("re: one (turn 1)");
  expect(repliesTo(alice)[1]).toContain("re: two (turn 2)");
  expect(repliesTo(bob)[0]).toContain("re: hello (turn 1)");
  // Instructions stay instructions; the peers' text only ever arrives as user messages.
  const last = model.doGenerateCalls.at(-1)!.prompt;
  expect(last[0]).toEqual(expect.objectContaining({ role: "system", content: "Be brief." }));
  expect(last.filter((m) => m.role === "system")).toHaveLength(1);
});
