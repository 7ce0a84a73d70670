// Pause -> Resume of a running agent's workspace (issue #49): pausing blanks the workspace's URL,
// and resuming leaves it `provisioning` (the server's answer and state, #77) until its agent
// registers again; a heartbeat never brings the URL back, so a peer's call got 503 "workspace has
// no URL" while the agent ran on. An agent whose state check finds its workspace waiting for it
// registers again: same card, same URL, same token. Over real HTTP against the emulator: push on
// both contracts, a push agent whose heartbeats would turn `provisioning` online first (2026-04),
// poll, and a poll agent that missed the pause and hears the resume event.
//
// The agent does not see the pause itself (it came and went between two of its state checks):
// the test holds the agent's state check at a gate (a client whose getState waits, then reads the
// real state over HTTP) while an admin pauses and resumes, so the next check reads the resumed
// state, whatever the machine's speed.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent, type RemoteAgentOptions } from "../src/index.js";
import type { WorkspaceState } from "../src/index.js";
import type { EventStream } from "../src/public/wire.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/**
 * A client whose state reads wait at a gate while it is closed (then read the real state, or fail
 * as a lost connection would), and whose open event streams the test can end.
 */
class GatedClient extends PlatformClient {
  #gate: { opened: Promise<void>; open: () => void } | undefined;
  #failure: Error | undefined;
  readonly #open = new Set<EventStream>();
  /** State reads waiting at the closed gate. */
  waiting = 0;

  /** Event streams opened and not closed yet. */
  streamsOpen = 0;
  /** Heartbeats sent and not answered yet, and answered. */
  heartbeatsInFlight = 0;
  heartbeatsDone = 0;

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>): Promise<void> {
    this.heartbeatsInFlight++;
    try {
      await super.heartbeat(...args);
      this.heartbeatsDone++;
    } finally {
      this.heartbeatsInFlight--;
    }
  }

  override async openEventStream(options?: { signal?: AbortSignal }): Promise<EventStream> {
    const stream = await super.openEventStream(options);
    this.streamsOpen++;
    this.#open.add(stream);
    stream.body.once("close", () => {
      this.streamsOpen--;
      this.#open.delete(stream);
    });
    return stream;
  }

  /** Ends every open event stream, as a network drop would. */
  dropStreams(): void {
    for (const s of this.#open) s.close();
  }

  hold(): void {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.#gate = { opened, open };
  }

  /** Opens the gate: the reads waiting read the real state, or fail with `failure`. */
  release(failure?: Error): void {
    this.#failure = failure;
    this.#gate?.open();
    this.#gate = undefined;
  }

  override async getState(options: { signal?: AbortSignal } = {}): Promise<WorkspaceState> {
    const gate = this.#gate;
    if (gate) {
      this.waiting++;
      const aborted = new Promise<void>((resolve) =>
        options.signal?.addEventListener("abort", () => resolve(), { once: true }),
      );
      await Promise.race([gate.opened, aborted]);
      this.waiting--;
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure) throw failure;
    }
    return super.getState(options);
  }
}

const status = async (emu: Emulator, id: string) =>
  (await emu.admin.getWorkspace(id))["status"] as string;

const liveTokens = async (emu: Emulator, id: string): Promise<number> => {
  const res = await fetch(`${emu.url}/workspaces/${id}/tokens`, {
    headers: { authorization: `Bearer ${emu.adminToken}` },
  });
  const body = (await res.json()) as { tokens?: unknown[] } | unknown[];
  return (Array.isArray(body) ? body : (body.tokens ?? [])).length;
};

async function setup(compat: "latest" | "2026-04") {
  const emu = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  // The April 2026 server resumes only a workspace it provisions (an external one: 503
  // "provisioner not available"); its resume sets `provisioning`, which a heartbeat turns online.
  const extra = compat === "2026-04" ? { runtime: "langgraph", external: false } : undefined;
  const w = await emu.admin.createWorkspace({ name: "writer", ...(extra ? { extra } : {}) });
  const p = await emu.admin.createWorkspace({ name: "reviewer" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const peerToken = p.token ?? (await emu.admin.createToken(p.id));
  const client = new GatedClient({ platformUrl: emu.url, workspaceId: w.id, token });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: peerToken });
  cleanups.push(() => peer.close());
  cleanups.push(() => client.close());
  return { emu, id: w.id, client, peer, token };
}

function agent(
  client: GatedClient,
  infos: string[],
  extra: Partial<RemoteAgentOptions> = {},
  warns: string[] = [],
) {
  const a = new RemoteAgent({
    client,
    handler: (m) => `draft: ${m.text}`,
    // The state check runs often; the first heartbeat is at least 5 minutes away, so on the April
    // 2026 contract no heartbeat turns `provisioning` online before the check reads it.
    stateIntervalMs: 20,
    heartbeatIntervalMs: 600_000,
    logger: { info: (m) => void infos.push(m), warn: (m) => void warns.push(m) },
    ...extra,
  } as RemoteAgentOptions);
  cleanups.push(() => a.stop());
  return a;
}

/** Pauses and resumes `id` while the agent's state check waits at the gate. */
async function pauseAndResumeUnseen(emu: Emulator, client: GatedClient, id: string) {
  client.hold();
  // A check waiting at the gate: no other check is in flight (they never overlap), so none can
  // read "paused" (which ends the agent, as it should when it sees the pause).
  await waitFor(() => client.waiting > 0);
  await emu.admin.pause(id);
  await emu.admin.resume(id);
}

describe("a running agent whose workspace was paused and resumed registers again", () => {
  it.each([
    // August 2026 queues a call to a workspace still provisioning (for a heartbeat to deliver once
    // the agent registered again); the April server refuses it.
    ["latest", "provisioning", { status: "queued" }],
    ["2026-04", "provisioning", { status: 503 }],
  ] as const)(
    "push (%s): resumed as %s, the agent registers again (same URL, same card, same token) and a peer's call through the proxy is answered",
    async (compat, resumed, whileAway) => {
      const { emu, id, client, peer } = await setup(compat);
      const infos: string[] = [];
      const a = agent(client, infos, {
        delivery: { mode: "push" },
        agentCard: { name: "writer", description: "drafts" },
      });
      await a.start();
      expect(a.delivery).toBe("push");
      // A card updated after start (an adapter's skills, say) is the card the platform holds.
      await client.updateAgentCard({
        name: "writer",
        skills: [{ id: "edit", name: "edit", description: "", tags: [] }],
      });
      const before = await emu.admin.getWorkspace(id);
      expect(before["url"]).toBe(a.pushUrl);
      expect(await liveTokens(emu, id)).toBe(1);
      const first = await peer.callPeer(id, "first");
      expect("text" in first && first.text).toContain("draft: first");

      await pauseAndResumeUnseen(emu, client, id);
      expect(await status(emu, id)).toBe(resumed);
      // Until the agent registers again, the platform has no URL for it.
      const away = await peer.callPeer(id, "while away").then(
        (r) => ({ status: r.status }),
        (e: { status?: number }) => ({ status: e.status }),
      );
      expect(away).toEqual(whileAway);

      client.release();
      await waitFor(() => infos.some((m) => m.includes(`was ${resumed}`)));
      const after = await emu.admin.getWorkspace(id);
      expect(after["status"]).toBe("online");
      expect(after["url"]).toBe(a.pushUrl);
      expect(after["agent_card"]).toMatchObject({
        name: "writer",
        description: "drafts",
        skills: [{ id: "edit", name: "edit" }],
      });
      expect(await liveTokens(emu, id)).toBe(1); // no new token minted, the agent's still works
      const answer = await peer.callPeer(id, "second");
      expect(answer.status).toBe("completed");
      expect("text" in answer && answer.text).toContain("draft: second");
      await a.stop();
      expect((await a.done).reason).toBe("stopped");
    },
    30_000,
  );

  it("push (2026-04), heartbeats every 100 ms: the state is read before a heartbeat, which would otherwise turn the resumed workspace online without a URL", async () => {
    const { emu, id, client, peer } = await setup("2026-04");
    const infos: string[] = [];
    const a = agent(client, infos, {
      delivery: { mode: "push" },
      heartbeatIntervalMs: 100,
      stateIntervalMs: 100,
    });
    let late = false;
    a.on("heartbeatLate", () => (late = true));
    await a.start();
    await waitFor(() => client.heartbeatsDone >= 2);

    client.hold();
    // A check waits at the gate and no heartbeat is on its way.
    await waitFor(() => client.waiting > 0 && client.heartbeatsInFlight === 0);
    const beats = client.heartbeatsDone;
    await emu.admin.pause(id);
    await emu.admin.resume(id);
    // The next heartbeat either reaches the platform before any state read (which turns
    // `provisioning` online without a URL), or waits for the state check (reported late after 5 s).
    await waitFor(() => client.heartbeatsDone > beats || late, { timeoutMs: 15_000 });
    client.release();
    await waitFor(() => infos.some((m) => m.includes("was provisioning")));
    await waitFor(() => client.heartbeatsDone > beats);
    const after = await emu.admin.getWorkspace(id);
    expect(after["status"]).toBe("online");
    expect(after["url"]).toBe(a.pushUrl);
    const answer = await peer.callPeer(id, "after the heartbeat");
    expect("text" in answer && answer.text).toContain("draft: after the heartbeat");
    await a.stop();
  });

  it("poll (latest): the resume event triggers the state check, and the agent registers for poll again and answers a peer's call", async () => {
    const { emu, id, client, peer } = await setup("latest");
    const infos: string[] = [];
    const texts: string[] = [];
    // The state checks run on the events, not on their timer (an hour away).
    const a = agent(client, infos, {
      delivery: "poll",
      stateIntervalMs: 3_600_000,
      handler: (m) => {
        texts.push(m.text);
        return `draft: ${m.text}`;
      },
    });
    await a.start();
    expect(a.delivery).toBe("poll");
    await waitFor(() => client.streamsOpen === 1);
    expect(await liveTokens(emu, id)).toBe(1);

    client.hold();
    await emu.admin.pause(id); // WORKSPACE_PAUSED: a state check starts, held at the gate
    await waitFor(() => client.waiting > 0);
    await emu.admin.resume(id); // WORKSPACE_PROVISIONING
    expect(await status(emu, id)).toBe("provisioning");
    client.release();
    await waitFor(() => infos.some((m) => m.includes("was provisioning")));
    expect(await status(emu, id)).toBe("online");
    expect(await liveTokens(emu, id)).toBe(1); // no new token minted
    const queued = await peer.callPeer(id, "third");
    expect(queued.status).toBe("queued"); // a poll workspace's messages wait in its feed
    await waitFor(() => texts.includes("third"));
    await a.stop();
    expect((await a.done).reason).toBe("stopped");
  });

  it("poll (latest): a pause missed while the event stream was down is caught by the resume event (WORKSPACE_PROVISIONING), which checks the state at once", async () => {
    const { emu, id, client } = await setup("latest");
    const infos: string[] = [];
    const warns: string[] = [];
    const hour = 3_600_000;
    const a = agent(
      client,
      infos,
      { delivery: "poll", stateIntervalMs: hour, heartbeatIntervalMs: hour },
      warns,
    );
    await a.start();
    await waitFor(() => client.streamsOpen === 1);

    // The stream drops and cannot reconnect; the state check its drop asks for is lost.
    const outage = emu.injectFault({
      path: "/workspaces/:id/events/stream",
      status: 503,
      count: 1_000,
    });
    client.hold();
    client.dropStreams();
    await waitFor(() => client.waiting > 0);
    await emu.admin.pause(id); // nobody hears WORKSPACE_PAUSED
    client.release(new TypeError("fetch failed"));
    await waitFor(() => warns.includes("state check failed"));

    // The stream comes back; the state checks are an hour apart; the resume is an event.
    outage();
    await waitFor(() => client.streamsOpen === 1, { timeoutMs: 20_000 });
    await emu.admin.resume(id);
    await waitFor(() => infos.some((m) => m.includes("was provisioning")));
    expect(await status(emu, id)).toBe("online");
    expect(await liveTokens(emu, id)).toBe(1);
    await a.stop();
    expect((await a.done).reason).toBe("stopped");
  });
});
