import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { RemoteAgent } from "../src/agent/remote-agent.js";
import { FakeClient, HttpishError, inbound } from "./fixtures/agent-fake-client.js";

function handles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
}

describe("RemoteAgent runtime (fake client)", () => {
  it("heartbeats on its own timer while a handler is blocked, reporting active and current task", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1", "summarise the quarterly report"));
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const agent = new RemoteAgent({
      client,
      heartbeatIntervalMs: 20,
      pollIntervalMs: 10,
      handler: async () => await blocked,
    });
    await agent.start();
    await waitFor(() => client.heartbeats.filter((h) => h.activeTasks === 1).length >= 3);
    const busy = client.heartbeats.find((h) => h.activeTasks === 1)!;
    expect(busy.currentTask).toBe("summarise the quarterly report");
    release();
    await waitFor(() => client.heartbeats.at(-1)?.activeTasks === 0);
    await agent.stop();
    expect((await agent.done).reason).toBe("stopped");
  });

  it("ends with reason 'paused' / 'removed' from the state watch", async () => {
    for (const [field, reason] of [
      ["paused", "paused"],
      ["removed", "removed"],
    ] as const) {
      const client = new FakeClient();
      const agent = new RemoteAgent({ client, heartbeatIntervalMs: 10, handler: () => {} });
      await agent.start();
      client.state = { ...client.state, [field]: true };
      expect((await agent.done).reason).toBe(reason);
      await agent.stop(); // idempotent after the end
    }
  });

  it("ends as 'unauthorized' after three consecutive 401 heartbeats, saying how to re-onboard", async () => {
    const client = new FakeClient();
    const agent = new RemoteAgent({ client, heartbeatIntervalMs: 5, handler: () => {} });
    await agent.start(); // the first heartbeat passes: a 401 there would reject start() instead
    client.heartbeatError = new HttpishError(401);
    const accepted = client.heartbeats.length; // the first, and any sent while start() returned
    const done = await agent.done;
    expect(done.reason).toBe("unauthorized");
    expect(client.heartbeats.length).toBe(accepted + 3);
    expect(String((done.error as Error).message)).toMatch(/re-onboard/);
    expect(String((done.error as Error).message)).toMatch(/MOLECULE_WORKSPACE_TOKEN/);
  });

  it("does not end on 401s that are not consecutive", async () => {
    const client = new FakeClient();
    let n = 0;
    const hb = client.heartbeat.bind(client);
    client.heartbeat = async (r) => {
      await hb(r);
      if (++n % 2 === 0) throw new HttpishError(401);
    };
    const agent = new RemoteAgent({ client, heartbeatIntervalMs: 2, handler: () => {} });
    await agent.start();
    await waitFor(() => n >= 10);
    await agent.stop();
    expect((await agent.done).reason).toBe("stopped");
  });

  it("respects the concurrency limit", async () => {
    const client = new FakeClient();
    for (let i = 0; i < 12; i++) client.add(inbound(`a${i}`, `m${i}`));
    let running = 0;
    let peak = 0;
    let done = 0;
    // Each handler holds its slot until the test releases it, a full batch at a time.
    const held: Array<() => void> = [];
    const agent = new RemoteAgent({
      client,
      concurrency: 3,
      pollIntervalMs: 5,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => held.push(r));
        running--;
        done++;
      },
    });
    await agent.start();
    for (let released = 0; released < 12;) {
      await waitFor(() => held.length === Math.min(3, 12 - released)); // the limit is reached
      const batch = held.splice(0);
      released += batch.length;
      for (const r of batch) r();
    }
    await waitFor(() => done === 12);
    await agent.stop();
    expect(peak).toBe(3);
  });

  it("replies only when the handler returns a non-empty string", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"), inbound("a3", "m3"));
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 5,
      handler: (m) => (m.messageId === "m1" ? "pong" : m.messageId === "m2" ? "  " : undefined),
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a3");
    await agent.stop();
    expect(client.replies).toEqual([{ messageId: "m1", text: "pong" }]);
  });

  it("stop() drains running handlers, then aborts them after drainTimeoutMs, leaving no handles", async () => {
    const before = handles().length;
    const client = new FakeClient();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"));
    let aborted = 0;
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 5,
      heartbeatIntervalMs: 50,
      drainTimeoutMs: 30,
      handler: async (m, ctx) => {
        if (m.messageId === "m1") return; // finishes
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        aborted++;
        throw new Error("aborted");
      },
    });
    await agent.start();
    await waitFor(() => agent.activeTasks === 1 && agent.cursor === "a1");
    await agent.stop();
    expect(aborted).toBe(1);
    expect(agent.cursor).toBe("a1"); // a2 was not settled: it will be delivered again
    expect(handles().length).toBeLessThanOrEqual(before);
  });

  it("chooses push when the platform has no poll delivery, and refuses a second start", async () => {
    const client = new FakeClient();
    client.caps = { pollDelivery: false, eventStream: false, cursors: false };
    const agent = new RemoteAgent({ client, handler: () => "hi" });
    await agent.start();
    expect(agent.delivery).toBe("push");
    expect(agent.pushUrl).toMatch(/^http:\/\/localhost:\d+\/[\w-]{20,}$/);
    expect(client.registers).toEqual([
      expect.objectContaining({ url: agent.pushUrl, deliveryMode: "push" }),
    ]);
    await expect(agent.start()).rejects.toThrow(/already/);
    await agent.stop();
  });

  it("dead-letters a non-retryable handler or reply error at once, without the backoff cycle", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"), inbound("a3", "m3"));
    const attempts = new Map<string, number>();
    const dead: Array<{ id: string | undefined; error: unknown }> = [];
    let replies = 0;
    client.reply = async () => {
      replies++;
      throw Object.assign(new Error("400 bad request"), { status: 400, retryable: false });
    };
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 5,
      maxAttempts: 5,
      retryBaseMs: 60_000, // a retry would stall the test far beyond its timeout
      handler: (m) => {
        attempts.set(m.messageId!, (attempts.get(m.messageId!) ?? 0) + 1);
        if (m.messageId === "m1") {
          // e.g. the NestJS adapter's routing error: no handler for this message
          throw Object.assign(new Error("no @OnPeerMessage route"), { retryable: false });
        }
        if (m.messageId === "m2") return "an answer"; // the reply fails permanently
        return undefined;
      },
      onDeadLetter: (m, error) => void dead.push({ id: m.messageId, error }),
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a3");
    await agent.stop();
    expect(attempts.get("m1")).toBe(1);
    expect(attempts.get("m2")).toBe(1);
    // m2's answer, and m1's failure answer (its sender is told it will not be answered): each
    // sent once, a 400 is not retried, and the failure answer's own failure is no dead letter.
    expect(replies).toBe(2);
    expect(dead.map((d) => d.id)).toEqual(["m1", "m2"]);
    expect((dead[0]!.error as Error).message).toMatch(/route/);
  });

  it("still retries errors that are retryable or say nothing", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1"));
    let attempts = 0;
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 5,
      retryBaseMs: 1,
      maxAttempts: 3,
      handler: () => {
        attempts++;
        if (attempts === 1) throw Object.assign(new Error("busy"), { retryable: true });
        if (attempts === 2) throw new Error("plain");
        return undefined;
      },
      onDeadLetter: () => {
        throw new Error("must not be dead-lettered");
      },
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a1");
    await agent.stop();
    expect(attempts).toBe(3);
  });

  it("validates options with clear errors", () => {
    const client = new FakeClient();
    expect(() => new RemoteAgent({ client, handler: 5 as never })).toThrow(/handler/);
    expect(() => new RemoteAgent({ client, handler: () => {}, concurrency: 0 })).toThrow(
      /concurrency/,
    );
    expect(() => new RemoteAgent({ client, handler: () => {}, pollIntervalMs: -1 })).toThrow(
      /pollIntervalMs/,
    );
  });
});
