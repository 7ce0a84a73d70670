import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { RemoteAgent } from "../src/agent/remote-agent.js";
import { MemoryCursorStore } from "../src/store/cursor-store.js";
import type { CursorState } from "../src/inbound/index.js";
import type { InboundMessage } from "../src/inbound/message.js";
import { FakeClient, HttpishError, inbound } from "./fixtures/agent-fake-client.js";

function counter() {
  const counts = new Map<string, number>();
  return {
    counts,
    add(msg: InboundMessage) {
      const k = msg.messageId ?? msg.activityId ?? "?";
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    max: () => Math.max(0, ...counts.values()),
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("poll delivery (fake client)", () => {
  it("handles in ascending order and never moves the cursor past an unsettled message", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"), inbound("a3", "m3"));
    const gate = deferred();
    const order: string[] = [];
    const saves: CursorState[] = [];
    const store = new MemoryCursorStore();
    const save = store.save.bind(store);
    store.save = async (s) => {
      saves.push(s);
      await save(s);
    };
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 20,
      handler: async (msg) => {
        order.push(msg.activityId!);
        if (msg.activityId === "a1") await gate.promise;
      },
      cursorStore: store,
    });
    await agent.start();
    await waitFor(() => order.length === 3);
    // a2 and a3 settled (their settle is persisted), a1 still running: the cursor has not moved.
    await waitFor(async () => {
      const seen = (await store.load())?.seenActivityIds ?? [];
      return seen.includes("a2") && seen.includes("a3");
    });
    // Polls after the settles do not move it either.
    const polled = client.fetches.length;
    await waitFor(() => client.fetches.length >= polled + 2);
    expect(order).toEqual(["a1", "a2", "a3"]);
    expect(agent.cursor).toBeUndefined();
    expect((await store.load())?.cursor).toBeUndefined();
    expect((await store.load())?.seenActivityIds).toEqual(expect.arrayContaining(["a2", "a3"]));
    expect((await store.load())?.inFlight).toEqual([
      { activityId: "a1", messageId: "m1", deliveries: 1 },
    ]);
    gate.resolve();
    await waitFor(() => agent.cursor === "a3");
    await agent.stop();
    expect((await store.load())?.cursor).toBe("a3");
    expect((await store.load())?.inFlight).toBeUndefined();
    // the journal was saved before handlers ran, then after each settle
    expect(saves.length).toBeGreaterThanOrEqual(3);
  });

  it("410: drops the cursor and re-reads without handling anything twice", async () => {
    const client = new FakeClient();
    const c = counter();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"));
    const agent = new RemoteAgent({ client, pollIntervalMs: 10, handler: (m) => void c.add(m) });
    await agent.start();
    await waitFor(() => agent.cursor === "a2");
    client.pruned.add("a2");
    client.add(inbound("a3", "m3"));
    await waitFor(() => c.counts.get("m3") === 1);
    await waitFor(
      () => client.fetches.includes(undefined) && client.fetches.lastIndexOf(undefined) > 0,
    );
    // The re-read settles everything again, and later polls list the rows once more.
    await waitFor(() => agent.cursor === "a3");
    const polled = client.fetches.length;
    await waitFor(() => client.fetches.length >= polled + 2);
    await agent.stop();
    expect([...c.counts.keys()].sort()).toEqual(["m1", "m2", "m3"]);
    expect(c.max()).toBe(1);
  });

  it("baseline re-listing (cursor ignored, newest rows every time) delivers each message once", async () => {
    const client = new FakeClient();
    client.mode = "baseline";
    client.limit = 3;
    const c = counter();
    const agent = new RemoteAgent({ client, pollIntervalMs: 5, handler: (m) => void c.add(m) });
    await agent.start();
    for (let i = 1; i <= 10; i++) {
      client.add(inbound(`a${i}`, `m${i}`));
      await waitFor(() => c.counts.get(`m${i}`) === 1);
    }
    await waitFor(() => client.fetches.length > 15);
    await agent.stop();
    expect(c.counts.size).toBe(10);
    expect(c.max()).toBe(1);
  });

  it("a re-delivered A2A messageId under a new activity row is handled once", async () => {
    const client = new FakeClient();
    const c = counter();
    const gate = deferred();
    client.add(inbound("a1", "dup"), inbound("a2", "dup"), inbound("a3", "other"));
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      handler: async (m) => {
        c.add(m);
        await gate.promise;
      },
    });
    await agent.start();
    await waitFor(() => c.counts.size === 2);
    gate.resolve();
    await waitFor(() => agent.cursor === "a3");
    client.add(inbound("a4", "dup")); // a later re-delivery, after settle
    await waitFor(() => agent.cursor === "a4");
    await agent.stop();
    expect(c.counts.get("dup")).toBe(1);
    expect(c.max()).toBe(1);
  });

  it("retries a failing handler with backoff, then dead-letters and moves on", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "poison"), inbound("a2", "ok"));
    const attempts: number[] = [];
    const dead: Array<[string | undefined, unknown]> = [];
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      maxAttempts: 3,
      retryBaseMs: 5,
      handler: (m, ctx) => {
        if (m.messageId === "poison") {
          attempts.push(ctx.attempt);
          throw new Error("boom");
        }
        return "fine";
      },
      onDeadLetter: (m, err) => void dead.push([m.messageId, err]),
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a2");
    await agent.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toHaveLength(1);
    expect(dead[0]![0]).toBe("poison");
    expect((dead[0]![1] as Error).message).toBe("boom");
    // The poison message's sender is told it will never be answered.
    expect(client.replies).toHaveLength(2);
    expect(client.replies).toContainEqual({ messageId: "ok", text: "fine" });
    expect(client.replies).toContainEqual({
      messageId: "poison",
      text: expect.stringContaining("could not handle the message (handler_failed"),
    });
  });

  it("a handler that recovers on retry is handled once and replied once; failed replies are retried", async () => {
    const client = new FakeClient();
    client.replyFailures = 1;
    client.add(inbound("a1", "m1"));
    let calls = 0;
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      retryBaseMs: 5,
      handler: () => {
        calls++;
        if (calls === 1) throw new Error("transient");
        return "answer";
      },
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a1");
    await agent.stop();
    expect(calls).toBe(2);
    expect(client.replies).toEqual([{ messageId: "m1", text: "answer" }]);
  });

  it("after a restart, journaled in-flight messages are redelivered with ctx.redelivered", async () => {
    const client = new FakeClient();
    client.add(inbound("a1", "m1"), inbound("a2", "m2"));
    const store = new MemoryCursorStore({
      cursor: undefined,
      seenActivityIds: [],
      inFlight: [{ activityId: "a1", messageId: "m1" }],
    });
    const seen: Array<[string | undefined, boolean]> = [];
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      cursorStore: store,
      handler: (m, ctx) => void seen.push([m.messageId, ctx.redelivered]),
    });
    await agent.start();
    await waitFor(() => agent.cursor === "a2");
    await agent.stop();
    expect(seen).toEqual([
      ["m1", true],
      ["m2", false],
    ]);
  });

  it("does not re-handle what a restarted agent already settled (state from the store)", async () => {
    const client = new FakeClient();
    client.mode = "baseline";
    client.add(inbound("a1", "m1"), inbound("a2", "m2"));
    const store = new MemoryCursorStore();
    const c = counter();
    const a = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      cursorStore: store,
      handler: (m) => void c.add(m),
    });
    await a.start();
    await waitFor(() => a.cursor === "a2");
    await a.stop();
    client.add(inbound("a3", "m3"));
    const b = new RemoteAgent({
      client,
      pollIntervalMs: 10,
      cursorStore: store,
      handler: (m) => void c.add(m),
    });
    await b.start();
    await waitFor(() => b.cursor === "a3");
    await b.stop();
    expect(c.counts.size).toBe(3);
    expect(c.max()).toBe(1);
  });

  it("keeps polling through fetch errors", async () => {
    const client = new FakeClient();
    let fail = 2;
    const fetch = client.fetchInbound.bind(client);
    client.fetchInbound = async (o) => {
      if (fail-- > 0) throw new HttpishError(503);
      return await fetch(o);
    };
    client.add(inbound("a1", "m1"));
    const c = counter();
    const agent = new RemoteAgent({ client, pollIntervalMs: 5, handler: (m) => void c.add(m) });
    await agent.start();
    await waitFor(() => c.counts.get("m1") === 1, { timeoutMs: 30_000 });
    await agent.stop();
    expect(fail).toBeLessThan(0);
    expect(c.counts.get("m1")).toBe(1);
  });
});
