// Unit tests of the conversation logic: answers recognised in every shape, answer-to-call
// matching, the turn limit's window, and the merged agent state store.
import { describe, expect, it } from "vitest";
import { inboundFromA2AMessage } from "../src/public/a2a.js";
import { MemoryCursorStore, memoryStore } from "../src/index.js";
import { parseActivityRow } from "../src/public/wire.js";
import type { InboundMessage } from "../src/index.js";
import { PendingCalls } from "../src/agent/route/conversations.js";
import { TurnLimiter } from "../src/agent/route/turn-limit.js";
import { AgentStateStore } from "../src/store/index.js";
import { LocalPushClaims } from "../src/agent/admit/store-claims.js";
import { Admission } from "../src/agent/admit/admission.js";
import type { Answers } from "../src/agent/answer/answers.js";

function row(message: Record<string, unknown>, sourceId = "peer-b"): unknown {
  return {
    id: `row-${Math.random()}`,
    activity_type: "a2a_receive",
    source_id: sourceId,
    method: "message/send",
    request_body: { jsonrpc: "2.0", id: 1, method: "message/send", params: { message } },
    created_at: new Date().toISOString(),
  };
}

describe("answers are recognised", () => {
  it("flags role agent (v0.3, v1.0, assistant) and reads molecule_in_reply_to", () => {
    const ours = parseActivityRow(
      row({
        role: "agent",
        messageId: "m2",
        contextId: "c1",
        metadata: { molecule_in_reply_to: "m1" },
        parts: [{ kind: "text", text: "answer" }],
      }),
    )!;
    expect(ours).toMatchObject({ isReply: true, inReplyTo: "m1", contextId: "c1" });
    const v1 = inboundFromA2AMessage({
      role: "ROLE_AGENT",
      messageId: "x",
      parts: [{ text: "a" }],
    });
    expect(v1.isReply).toBe(true);
    expect(inboundFromA2AMessage({ role: "assistant", messageId: "y", parts: [] }).isReply).toBe(
      true,
    );
  });

  it("flags the Python reference's answer (role agent, fresh id, no context, no metadata)", () => {
    const py = parseActivityRow(
      row({ role: "agent", messageId: "fresh", parts: [{ kind: "text", text: "hi" }] }),
    )!;
    expect(py.isReply).toBe(true);
    expect(py.inReplyTo).toBeUndefined();
    expect(py.contextId).toBeUndefined();
  });

  it("does not flag questions", () => {
    const q = parseActivityRow(
      row({ role: "user", messageId: "q", parts: [{ kind: "text", text: "?" }] }),
    )!;
    expect(q.isReply).toBe(false);
    const noRole = inboundFromA2AMessage({ messageId: "n", parts: [{ kind: "text", text: "?" }] });
    expect(noRole.isReply).toBe(false);
  });
});

function answer(partial: Partial<InboundMessage>): InboundMessage {
  return {
    activityId: "a",
    messageId: "ans",
    method: "message/send",
    params: {},
    source: "peer_agent",
    sourceId: "peer-b",
    text: "answer",
    parts: [],
    receivedAt: new Date(),
    isReply: true,
    raw: {},
    ...partial,
  };
}

function calls() {
  const got = new Map<string, InboundMessage>();
  const pc = new PendingCalls();
  const add = (messageId: string, peerId: string, contextId: string) =>
    pc.add({
      messageId,
      peerId,
      contextId,
      dueAt: Number.POSITIVE_INFINITY,
      resolve: (a) => void got.set(messageId, a),
      reject: () => undefined,
    });
  return { pc, got, add };
}

describe("PendingCalls", () => {
  it("matches by inReplyTo first, then contextId, then the oldest call to that peer", () => {
    const { pc, got, add } = calls();
    add("m1", "peer-b", "c1");
    add("m2", "peer-b", "c2");
    add("m3", "peer-b", "c3");
    expect(pc.take(answer({ inReplyTo: "m2", contextId: "c1" }))).toBe(true);
    expect(got.has("m2")).toBe(true);
    expect(pc.take(answer({ contextId: "c3" }))).toBe(true);
    expect(got.has("m3")).toBe(true);
    expect(pc.take(answer({}))).toBe(true); // Python shape: oldest call to peer-b
    expect(got.has("m1")).toBe(true);
    expect(pc.size).toBe(0);
    expect(pc.take(answer({}))).toBe(false); // nobody waits: goes to the handler
  });

  it("says whether a call to a peer awaits its answer", () => {
    const { pc, add } = calls();
    expect(pc.awaitsFrom("peer-b")).toBe(false);
    add("m1", "peer-b", "c1");
    expect([pc.awaitsFrom("peer-b"), pc.awaitsFrom("peer-c")]).toEqual([true, false]);
    pc.take(answer({ inReplyTo: "m1" }));
    expect(pc.awaitsFrom("peer-b")).toBe(false);
  });

  it("never hands a peer's answer to a call to another peer", () => {
    const { pc, add } = calls();
    add("m1", "peer-c", "c1");
    expect(pc.take(answer({ sourceId: "peer-b", inReplyTo: "m1" }))).toBe(false);
    expect(pc.take(answer({ sourceId: "peer-b", contextId: "c1" }))).toBe(false);
    expect(pc.take(answer({ sourceId: "peer-b" }))).toBe(false);
    expect(pc.size).toBe(1);
  });

  it("a pushed answer (no sender recorded) resolves a call only by the exact inReplyTo (#29)", () => {
    const { pc, got, add } = calls();
    add("m1", "peer-b", "c1");
    const pushed = { activityId: undefined, sourceId: null, source: "unknown" as const };
    expect(pc.take(answer({ ...pushed }))).toBe(false); // never "the only pending call"
    expect(pc.take(answer({ ...pushed, contextId: "c1" }))).toBe(false);
    expect(pc.take(answer({ ...pushed, claimedSourceId: "peer-b" }))).toBe(false);
    expect(pc.take(answer({ ...pushed, claimedSourceId: "peer-c", inReplyTo: "m1" }))).toBe(false);
    expect(pc.take(answer({ ...pushed, inReplyTo: "m1" }))).toBe(true);
    expect(got.has("m1")).toBe(true);
  });

  it("a polled canvas row (source_id null) resolves no call, even naming its messageId (#46)", () => {
    const { pc, got, add } = calls();
    add("m1", "peer-b", "c1");
    const canvas = { sourceId: null, source: "canvas_user" as const };
    expect(pc.take(answer({ ...canvas }))).toBe(false); // never "the only pending call"
    expect(pc.take(answer({ ...canvas, contextId: "c1" }))).toBe(false);
    expect(pc.take(answer({ ...canvas, claimedSourceId: "peer-b" }))).toBe(false);
    expect(pc.take(answer({ ...canvas, claimedSourceId: "peer-c", inReplyTo: "m1" }))).toBe(false);
    expect(pc.take(answer({ ...canvas, inReplyTo: "m1" }))).toBe(false);
    expect(pc.take(answer({ ...canvas, inReplyTo: "m1", claimedSourceId: "peer-b" }))).toBe(false);
    expect(got.has("m1")).toBe(false);
    expect(pc.take(answer({ inReplyTo: "m1" }))).toBe(true); // the authenticated callee
    expect(got.has("m1")).toBe(true);
  });

  it("a call that named no conversation (a task continued by taskId alone) takes its callee's answer (#48)", () => {
    const { pc, got, add } = calls();
    pc.add({
      messageId: "m0",
      peerId: "peer-b",
      contextId: undefined,
      dueAt: Number.POSITIVE_INFINITY,
      resolve: (a) => void got.set("m0", a),
      reject: () => undefined,
    });
    add("m1", "peer-b", "c1");
    expect(pc.take(answer({ sourceId: "peer-c", contextId: "task-ctx" }))).toBe(false);
    expect(pc.take(answer({ contextId: "c1" }))).toBe(true); // the exact context first
    expect(got.has("m1")).toBe(true);
    expect(pc.take(answer({ contextId: "task-ctx" }))).toBe(true);
    expect(got.has("m0")).toBe(true);
  });

  it("removing a call (timeout) stops matching it", () => {
    const { pc, add } = calls();
    const remove = add("m1", "peer-b", "c1");
    remove();
    expect(pc.take(answer({ inReplyTo: "m1" }))).toBe(false);
  });
});

describe("TurnLimiter", () => {
  it("admits maxTurns per (context, peer) within the window, then again after it", () => {
    const t = new TurnLimiter({ maxTurns: 2, windowMs: 1_000 });
    expect(t.admit("c", "p", 0)).toBe(true);
    expect(t.admit("c", "p", 10)).toBe(true);
    expect(t.admit("c", "p", 20)).toBe(false);
    expect(t.admit("c", "other", 20)).toBe(true); // another peer
    expect(t.admit("d", "p", 20)).toBe(true); // another conversation
    expect(t.admit("c", "p", 1_005)).toBe(true); // the first turn left the window
  });

  it("remembers a conversation until maxKeys others had a turn after it, then forgets it", () => {
    const t = new TurnLimiter({ maxTurns: 1 }, 3);
    expect(t.admit("loop", "p", 0)).toBe(true);
    for (const c of ["a", "b", "c"]) expect(t.admit(c, "p", 1)).toBe(true);
    expect(t.admit("loop", "p", 2)).toBe(false); // three others since: still counted
    for (const c of ["d", "e", "f", "g", "h", "i"]) expect(t.admit(c, "p", 3)).toBe(true);
    expect(t.admit("loop", "p", 4)).toBe(true); // six others since its last turn: forgotten
    // A conversation used again moves to the newest keys: refused while the others come and go.
    for (let i = 0; i < 20; i++) {
      expect(t.admit(`new-${i}`, "p", 5)).toBe(true);
      expect(t.admit("loop", "p", 5)).toBe(false);
    }
  });

  it("does not limit messages without a conversation or peer, nor when off", () => {
    const t = new TurnLimiter({ maxTurns: 1 });
    for (let i = 0; i < 5; i++) expect(t.admit(undefined, "p")).toBe(true);
    const off = new TurnLimiter({ maxTurns: 0 });
    for (let i = 0; i < 50; i++) expect(off.admit("c", "p")).toBe(true);
    expect(() => new TurnLimiter({ maxTurns: -1 })).toThrow(
      expect.objectContaining({ code: "invalid_option", retryable: false }),
    );
  });
});

/** Claims and settles on a state over `inner`; returns how often push counts were saved. */
const claimAndSettle = async (inner: MemoryCursorStore | undefined): Promise<number> => {
  const s = new AgentStateStore(inner);
  let saves = 0;
  const savePush = s.savePush.bind(s);
  s.savePush = async (entries) => (saves++, await savePush(entries));
  const claims = new LocalPushClaims(s, 2);
  const first = await claims.claim("m-1", "c1", false);
  expect(await claims.claim("m-1", "c1", false)).toEqual({ status: "busy" }); // counted
  expect((await claims.claim("m-1", "c2", false)).status).toBe("claimed"); // other content
  await (first as Extract<typeof first, { status: "claimed" }>).claim.settle(undefined, {});
  expect((await claims.claim("m-1", "c1", false)).status).toBe("claimed"); // settled: anew
  return saves;
};

/** The admit stage over `state` (no dead letters in these tests). */
const admit = (state: AgentStateStore): Admission =>
  new Admission(memoryStore(), "ws-1", state, {} as Answers, {}, 10);

describe("AgentStateStore", () => {
  it("merges poll state and outbox into one saved state, each side seeing its own", async () => {
    const inner = new MemoryCursorStore({
      cursor: "r1",
      outbox: [{ id: "o1", text: "t", to: { source: "peer_agent", sourceId: "p" }, queuedAt: "x" }],
    });
    const s = new AgentStateStore(inner);
    expect(await s.load()).toEqual({ cursor: "r1" });
    expect(await s.loadOutbox()).toHaveLength(1);
    await s.savePoll(() => ({ cursor: "r2" }));
    expect(await inner.load()).toMatchObject({ cursor: "r2", outbox: [{ id: "o1" }] });
    await s.saveOutbox(() => []);
    expect(await inner.load()).toEqual({ cursor: "r2" });
  });

  it("without a store (an agent's default) takes no snapshot, and still lists its dead letters", async () => {
    const s = new AgentStateStore(undefined);
    await s.open();
    expect(await s.load()).toBeUndefined();
    let snapshots = 0;
    await s.savePoll(() => ({ cursor: `r${++snapshots}` }));
    await s.saveOutbox(() => (snapshots++, []));
    await s.flush();
    expect(snapshots).toBe(0);
    await s.addDeadLetter({ delivery: "poll", activityId: "a1", deliveries: 5, deadAt: "t" });
    expect(await s.loadDeadLetters()).toMatchObject([{ activityId: "a1" }]);
    expect(await s.load()).toBeUndefined();
  });

  it("push claims count in memory without a store (no copy per claim) and in the store with one", async () => {
    expect(await claimAndSettle(undefined)).toBe(0);
    const inner = new MemoryCursorStore();
    expect(await claimAndSettle(inner)).toBe(4);
    expect((await inner.load())?.pushDeliveries).toHaveLength(2);
  });

  it("an agent without a store claims no pushed message (no count would outlive the process)", async () => {
    const msg = inboundFromA2AMessage({ messageId: "m-1", parts: [{ kind: "text", text: "t" }] });
    expect(await admit(new AgentStateStore(undefined)).claim(msg, "c1", false)).toBeUndefined();
    const counted = await admit(new AgentStateStore(new MemoryCursorStore())).claim(
      msg,
      "c1",
      false,
    );
    expect(counted).toMatchObject({ redelivered: false });
  });
});
