// What a resumed peer stream passes on (a2a/peer-stream-resume.ts), with scripted connections:
// a peer that replays every event on re-subscription tells the caller nothing twice; a snapshot
// whose artifact holds the chunks already seen adds only the rest; a message-only answer is an
// end, not a cut; a cut before the task was named, re-subscriptions that bring nothing new, and a
// task the peer canceled while its stream was cut end with `stream_cut`, never as finished. (Over real HTTP: a2a-stream-resume.test.ts.)
import { describe, expect, it } from "vitest";
import { resumingPeerEvents } from "../src/a2a/peer-stream-resume.js";
import { peerStreamLimits } from "../src/a2a/sse.js";
import type { A2AMessage, A2AStreamEvent, A2ATask } from "../src/public/a2a.js";
import type { PeerOp } from "../src/a2a/peer-wire.js";
import { MoleculeError } from "../src/index.js";

type Json = Record<string, unknown>;
const T = "task-1";
const ids = { taskId: T, contextId: "ctx" };
const task = (state: string, text?: string): Json => ({
  kind: "task",
  id: T,
  contextId: "ctx",
  status: { state },
  ...(text === undefined
    ? {}
    : { artifacts: [{ artifactId: "a", parts: [{ kind: "text", text }] }] }),
});
const chunk = (text: string, append: boolean, lastChunk = false): Json => ({
  kind: "artifact-update",
  ...ids,
  artifact: { artifactId: "a", parts: [{ kind: "text", text }] },
  append,
  lastChunk,
});
const status = (state: string, final = false): Json => ({
  kind: "status-update",
  ...ids,
  status: { state },
  final,
});

/**
 * A peer whose connections answer these events in turn (an SSE body each), and its tasks; a
 * connection `"refuse"` is refused (not retryable).
 */
function peer(connections: Array<Json[] | "refuse">, current: A2ATask | undefined = undefined) {
  const ops: PeerOp["op"][] = [];
  const answers = [...connections];
  return {
    ops,
    events: (op: PeerOp) =>
      resumingPeerEvents({
        op,
        taskId: op.op === "subscribe" ? op.taskId : undefined,
        limits: peerStreamLimits(),
        signal: undefined,
        send: async (o) => {
          ops.push(o.op);
          const next = answers.shift();
          if (next === undefined)
            throw new MoleculeError("unreachable", { code: "peer_unreachable", retryable: true });
          if (next === "refuse") throw new MoleculeError("refused", { code: "peer_rpc_error" });
          const body = next.map(
            (r) => `data: ${JSON.stringify({ jsonrpc: "2.0", id: 1, result: r })}\n\n`,
          );
          return {
            res: { status: 200, headers: {}, body: body.join("") },
            binding: { binding: "JSONRPC", version: "0.3" },
          };
        },
        getTask: async () => {
          ops.push("get");
          if (current === undefined) throw new MoleculeError("gone", { code: "peer_error" });
          return current;
        },
        rpcError: () => new Error("rpc"),
        malformed: () => new Error("malformed"),
        foreign: () => new Error("foreign"),
        cut: (id, why, retryable, cause) =>
          new MoleculeError(`cut ${id} ${why}`, { code: "stream_cut", retryable, cause }),
      }),
  };
}

async function all(
  events: AsyncIterable<A2AStreamEvent>,
): Promise<{ got: A2AStreamEvent[]; error: unknown }> {
  const got: A2AStreamEvent[] = [];
  try {
    for await (const e of events) got.push(e);
    return { got, error: undefined };
  } catch (error) {
    return { got, error };
  }
}

const text = (got: A2AStreamEvent[]): string =>
  got
    .flatMap((e) => (e.kind === "artifact-update" ? e.artifact.parts : []))
    .map((p) => (p.kind === "text" ? p.text : ""))
    .join("");
const states = (got: A2AStreamEvent[]): string[] =>
  got.flatMap((e) =>
    e.kind === "status-update" ? [e.status.state] : e.kind === "task" ? [e.task.status.state] : [],
  );

const message: A2AMessage = {
  kind: "message",
  messageId: "m",
  role: "user",
  parts: [{ kind: "text", text: "x" }],
};

describe("a resumed peer stream", () => {
  it("a peer that replays every event on re-subscription tells the caller nothing twice", async () => {
    const first = [task("working"), chunk("one ", false), status("working")];
    const replay = [...first, chunk("two", true), status("completed", true)];
    const p = peer([first, replay]);
    const { got, error } = await all(p.events({ op: "stream", message }));
    expect(error).toBeUndefined();
    expect(p.ops).toEqual(["stream", "subscribe"]);
    expect(text(got)).toBe("one two");
    expect(states(got)).toEqual(["working", "working", "completed"]);
    expect(got).toHaveLength(5);
  });

  it("a snapshot holding the chunks already seen adds only the rest, then the live updates", async () => {
    const p = peer([
      [task("working"), chunk("one ", false), chunk("two ", true)],
      [task("working", "one two three "), chunk("four", true), status("completed", true)],
    ]);
    const { got, error } = await all(p.events({ op: "stream", message }));
    expect(error).toBeUndefined();
    expect(text(got)).toBe("one two three four");
    const added = got.filter((e) => e.kind === "artifact-update").slice(2);
    expect(added.map((e) => e.kind === "artifact-update" && [e.artifact.parts, e.append])).toEqual([
      [[{ kind: "text", text: "three " }], true],
      [[{ kind: "text", text: "four" }], true],
    ]);
    expect(states(got)).toEqual(["working", "completed"]);
  });

  it("a message-only answer ends the stream; a cut before the task was named is stream_cut", async () => {
    const answered = await all(
      peer([[{ ...message, role: "agent" }]]).events({ op: "stream", message }),
    );
    expect(answered.error).toBeUndefined();
    expect(answered.got).toHaveLength(1);
    const nothing = await all(peer([[]]).events({ op: "stream", message }));
    expect(nothing.error).toMatchObject({ code: "stream_cut", retryable: true });
    expect(nothing.got).toEqual([]);
  });

  it("a task the peer canceled while its stream was cut is stream_cut, never a quiet end", async () => {
    const canceledCut = expect.objectContaining({
      code: "stream_cut",
      retryable: false,
      message: expect.stringMatching(
        new RegExp(
          `^cut ${T} and the peer ended it canceled meanwhile, not at this call's request`,
        ),
      ),
    });
    // Told by the re-subscription's snapshot, and by GetTask after a refused re-subscription.
    const resubscribed = await all(
      peer([[task("working"), chunk("one ", false)], [task("canceled", "one ")]]).events({
        op: "stream",
        message,
      }),
    );
    const read = peer([[task("working"), chunk("one ", false)], "refuse"], {
      ...(task("canceled", "one ") as unknown as A2ATask),
    });
    const got = await all(read.events({ op: "stream", message }));
    for (const { error, got: events } of [resubscribed, got]) {
      expect(error).toEqual(canceledCut);
      expect(text(events)).toBe("one ");
      expect(states(events)).toEqual(["working"]);
    }
    expect(read.ops).toEqual(["stream", "subscribe", "get"]);
    // Canceled on the stream itself (no cut): the stream's end, as always.
    const live = await all(
      peer([[task("working"), status("canceled", true)]]).events({ op: "stream", message }),
    );
    expect(live.error).toBeUndefined();
    expect(states(live.got)).toEqual(["working", "canceled"]);
  });

  it("re-subscriptions that bring nothing new end with stream_cut (retryable), the task still running", async () => {
    const p = peer([[task("working")], [task("working")], [task("working")]], {
      kind: "task",
      id: T,
      contextId: "ctx",
      status: { state: "working" },
    } as A2ATask);
    const { got, error } = await all(p.events({ op: "subscribe", taskId: T }));
    expect(error).toMatchObject({ code: "stream_cut", retryable: true });
    expect(got).toHaveLength(1);
    // Two answered re-subscriptions, then failing ones until the attempts ran out; then GetTask.
    expect(p.ops.at(-1)).toBe("get");
    expect(p.ops.filter((o) => o === "subscribe").length).toBeGreaterThan(3);
  }, 30_000);
});
