// `onPause: "wait"`: an agent whose workspace is paused while it runs (a web app hosting it outlives
// the pause) takes no new messages until the workspace is resumed, then registers again and takes
// them, the message sent during the pause included; it never ends for the pause. Over real HTTP
// against the emulator (the newer contract: its resume hands an external workspace back to its
// agent), poll and push. The default (`"end"`) is unchanged.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { AgentEventMap, InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function org() {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const w = await emu.admin.createWorkspace({ name: "writer" });
  const p = await emu.admin.createWorkspace({ name: "reviewer" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  cleanups.push(() => Promise.all([client.close(), peer.close()]));
  return { emu, id: w.id, client, peer };
}

/** Resolves with the next `type` event of `agent`. */
function next<K extends keyof AgentEventMap>(agent: RemoteAgent<PlatformClient>, type: K) {
  return new Promise<AgentEventMap[K]>((resolve) => agent.once(type, resolve));
}

/** Starts an agent that waits pauses out, and pauses and resumes its workspace. */
async function pauseAndResume(
  delivery: "poll" | "push",
  duringPause: (id: string, peer: PlatformClient) => Promise<unknown>,
) {
  const { emu, id, client, peer } = await org();
  const seen: InboundMessage[] = [];
  const agent = new RemoteAgent({
    client,
    handler: (m) => {
      seen.push(m);
      return `draft: ${m.text}`;
    },
    delivery: delivery === "poll" ? "poll" : { mode: "push" },
    onPause: "wait",
    heartbeatIntervalMs: 50,
  });
  cleanups.push(() => agent.stop());
  let ended = false;
  void agent.done.then(() => (ended = true));
  await agent.start();
  const before = agent.paused;
  const paused = next(agent, "paused");
  await emu.admin.pause(id);
  await paused;
  const whilePaused = agent.paused;
  await duringPause(id, peer);
  const resumed = next(agent, "resumed");
  const handled = new Promise<AgentEventMap["handled"]>((resolve) =>
    agent.on("handled", (e) => resolve(e)),
  );
  await emu.admin.resume(id);
  await resumed;
  return {
    agent,
    peer,
    handled,
    flags: { before, whilePaused, after: agent.paused },
    seenWhilePaused: [...seen],
    status: (await emu.admin.getWorkspace(id))["status"],
    ended: () => ended,
  };
}

describe('onPause: "wait"', () => {
  it("poll: paused, nothing taken; resumed, registered again and the message sent meanwhile answered", async () => {
    let sent: unknown;
    const run = await pauseAndResume("poll", async (id, peer) => {
      // The platform still takes a message for a paused poll workspace: it waits, unhandled.
      sent = await peer.callPeer(id, "while paused");
    });
    expect(sent).toMatchObject({ status: "queued" });
    expect(run.flags).toEqual({ before: false, whilePaused: true, after: false });
    expect(run.seenWhilePaused).toEqual([]);
    expect(run.status).toBe("online"); // registered again
    expect((await run.handled).message.text).toBe("while paused");
    expect(run.ended()).toBe(false);
  });

  it("push: paused, then resumed and registered again: a peer's call is answered", async () => {
    const run = await pauseAndResume("push", async () => undefined);
    expect(run.flags).toEqual({ before: false, whilePaused: true, after: false });
    expect(run.status).toBe("online");
    const answer = await run.peer.callPeer(run.agent.client.workspaceId, "after the resume");
    expect(answer).toMatchObject({ status: "completed" });
    expect((answer as { text: string }).text).toContain("draft: after the resume");
    expect(run.ended()).toBe(false);
  });

  it("the default still ends the agent on a pause, and onPause is checked", async () => {
    const { emu, id, client } = await org();
    const agent = new RemoteAgent({ client, handler: () => "x", heartbeatIntervalMs: 50 });
    cleanups.push(() => agent.stop());
    await agent.start();
    await emu.admin.pause(id);
    expect((await agent.done).reason).toBe("paused");
    expect(() => new RemoteAgent({ client, handler: () => "x", onPause: "hold" as never })).toThrow(
      /onPause must be "end" or "wait"/,
    );
  });
});
