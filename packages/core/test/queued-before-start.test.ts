// A call to a workspace whose agent has not started yet, on the August-2026 platform with the
// defaults a user has: the workspace was created by an admin without a delivery mode (push, no URL,
// `awaiting_agent`), so the platform queues the call (202 `queued`, logged as an `a2a_receive` row)
// instead of refusing it (`a2a_proxy.go` 935-947 at aeec8e47). The agent's first start then handles
// it exactly once, whether it reads it from its backlog or the platform's drain stores it again.
// The caller gets a queued receipt (the platform cannot say yet how the peer will take it) and the
// answer, when it comes, as an inbound answer (`msg.isReply`).
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterEach, expect, it } from "vitest";
import { PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";
import { waitFor } from "@internal/test-utils";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function agentOf(
  emu: Emulator,
  name: string,
  handler: (m: InboundMessage) => string,
  heartbeatIntervalMs?: number,
) {
  const ws = await emu.admin.createWorkspace({ name });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  const agent = new RemoteAgent({ client, handler, heartbeatIntervalMs });
  cleanups.push(async () => {
    await agent.stop();
    await client.close();
  });
  return { id: ws.id, agent };
}

it("a call made before the agent's first start is queued, then handled once and answered", async () => {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const handled: string[] = [];
  const writer = await agentOf(
    emu,
    "writer",
    (m) => {
      handled.push(m.text);
      return `drafted: ${m.text}`;
    },
    200, // its first heartbeat, which drains the platform's queue, soon after the registration
  );
  const replies: string[] = [];
  const caller = await agentOf(emu, "caller", (m) => {
    if (m.isReply) replies.push(m.text);
    return "";
  });
  await caller.agent.start();
  // The writer's agent has not started: the platform queues the call for it.
  expect((await emu.admin.getWorkspace(writer.id))["status"]).toBe("awaiting_agent");
  const receipt = await caller.agent.callPeer(writer.id, "the launch post");
  expect(receipt).toMatchObject({ status: "queued", queueId: expect.any(String) });
  await writer.agent.start();
  await waitFor(() => replies.length > 0);
  expect(replies).toEqual([expect.stringContaining("drafted: the launch post")]);
  expect(handled).toEqual(["the launch post"]);
  // The agent's first heartbeat (an interval after its registration) drained the platform's
  // queue: the call was stored again for the poll agent (two rows, one message), and handled once.
  const rows = () => emu.activity(writer.id).filter((r) => r["activity_type"] === "a2a_receive");
  await waitFor(() => rows().length === 2);
  await waitFor(() => writer.agent.cursor === rows()[1]!["id"]); // the second row read and settled
  await writer.agent.stop();
  expect(handled).toEqual(["the launch post"]);
});
