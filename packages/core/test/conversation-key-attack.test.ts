// Issue 78 item 5, "a peer that learns a contextId joins that conversation's history, on poll
// too", as the attack over real HTTP against the emulator. A tells X a secret in conversation C
// and asks B for help in C; B's handler asks X "what was said earlier in this conversation?"
// through `ctx.callPeer`, which passes C on. Before the fix X's conversation handler keyed history
// by `context:C` alone, so X's model was given A's secret in B's turn, on poll (where the platform
// names the sender) and on push alike. Now a conversation is its authenticated sender's
// (`peer:<sourceId>/context:<C>`); on push, whose sender nobody names, history is kept only in a
// conversation the endpoint put the message in itself (a contextId it issued, or its task's), and
// such an id, learned and sent by another caller, joins nothing either.
import { randomUUID } from "node:crypto";
import { rpc } from "@internal/test-utils";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { askForInput, createConversationHandler } from "../src/adapters/index.js";
import { ContextIds } from "../src/a2a/server/context-ids.js";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { RemoteAgentOptions } from "../src/index.js";

const SECRET = "the launch code is 4711";
const PROBE = "what was said earlier in this conversation?";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

type Msg = { role: "user" | "assistant"; text: string };

async function workspace(emu: Emulator, name: string, deliveryMode: "poll" | "push") {
  const w = await emu.admin.createWorkspace({ name, deliveryMode });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return client;
}

async function startAgent(
  client: PlatformClient,
  handler: RemoteAgentOptions<PlatformClient>["handler"],
  mode: "poll" | "push",
): Promise<RemoteAgent<PlatformClient>> {
  const agent = new RemoteAgent({ client, handler, delivery: mode, logger: {} });
  cleanups.push(() => agent.stop());
  await agent.start();
  return agent;
}

/**
 * X: a conversation handler whose fake model records what it was given, turn by turn; it asks
 * back once ("which one?") when a message says "ask me".
 */
function recordingModel() {
  const turns: string[][] = [];
  /** The contextId each turn's message named, by its text. */
  const contexts = new Map<string, string | undefined>();
  const handler = createConversationHandler<Msg>({
    caller: "recordingModel",
    run: ({ messages, message }) => {
      turns.push(messages.map((m) => m.text));
      contexts.set(message.text, message.contextId);
      return message.text.startsWith("ask me")
        ? askForInput(message, "which one?")
        : `turn ${turns.length}`;
    },
    toMessage: (m) => ({ role: "user", text: m.text }),
    assistantMessage: (text) => ({ role: "assistant", text }),
    startsTurn: (m) => m.role === "user",
  });
  return { turns, contexts, handler };
}

/** The three workspaces of the attack, X delivered by `xMode`, and A's and B's agents. */
async function attack(xMode: "poll" | "push") {
  const emu = await startEmulator({ lenientAgentUrls: true });
  cleanups.push(() => emu.close());
  const a = await workspace(emu, "a", "poll");
  const b = await workspace(emu, "b", "poll");
  const x = await workspace(emu, "x", xMode);
  const model = recordingModel();
  await startAgent(x, model.handler, xMode);
  // B helps in whatever conversation it is asked in: its ctx.callPeer passes that contextId on.
  await startAgent(
    b,
    async (_msg, ctx) => {
      const answer = await ctx.callPeer(x.workspaceId, PROBE);
      return answer.status === "queued" ? "queued" : answer.text;
    },
    "poll",
  );
  const agentA = await startAgent(a, () => undefined, "poll");
  const contextId = randomUUID();
  await agentA.callPeer(x.workspaceId, SECRET, { contextId });
  await agentA.callPeer(b.workspaceId, "please help me with X", { contextId });
  return { model, agentA, x, contextId };
}

describe("a peer that learns a contextId", () => {
  it("on poll does not join the conversation: X's model is not given A's message in B's turn", async () => {
    const { model, agentA, x, contextId } = await attack("poll");
    // B's question named A's conversation: ctx.callPeer passed it on.
    expect(model.contexts.get(PROBE)).toBe(contextId);
    const probe = model.turns.find((t) => t.at(-1) === PROBE);
    expect(probe).toEqual([PROBE]);
    expect(JSON.stringify(model.turns.filter((t) => t.at(-1) !== SECRET))).not.toContain("4711");
    // A's own conversation keeps its history: the sender the platform authenticated is A.
    await agentA.callPeer(x.workspaceId, "and again", { contextId });
    expect(model.turns.at(-1)).toEqual([SECRET, "turn 1", "and again"]);
  }, 60_000);

  it("on push does not join the conversation: a contextId a caller sends keys no history", async () => {
    const { model, agentA, x, contextId } = await attack("push");
    expect(model.contexts.get(PROBE)).toBe(contextId);
    const probe = model.turns.find((t) => t.at(-1) === PROBE);
    expect(probe).toEqual([PROBE]);
    expect(JSON.stringify(model.turns.filter((t) => t.at(-1) !== SECRET))).not.toContain("4711");
    // Nobody names a pushed message's sender: a contextId a caller sent (even A's) keys no history.
    await agentA.callPeer(x.workspaceId, "and again", { contextId });
    expect(model.turns.at(-1)).toEqual(["and again"]);
  }, 60_000);

  it("on push joins no conversation the endpoint issued by sending its id: only its task's answer does", async () => {
    const emu = await startEmulator({ lenientAgentUrls: true });
    cleanups.push(() => emu.close());
    const x = await workspace(emu, "x", "push");
    const model = recordingModel();
    const agentX = await startAgent(x, model.handler, "push");
    // Sent as the platform's proxy sends a push (August 2026: with its bearer).
    const send = async (text: string, ids: { contextId?: string; taskId?: string } = {}) =>
      (
        await rpc(
          agentX.pushUrl!,
          "message/send",
          {
            message: {
              kind: "message",
              role: "user",
              messageId: randomUUID(),
              parts: [{ kind: "text", text }],
              ...ids,
            },
          },
          { bearer: x.files.inboundSecret },
        )
      ).result as { id: string; contextId: string; status?: { state: string } };
    // A sends no contextId: the endpoint issues one, and X's handler asks back.
    const asked = await send(`ask me: ${SECRET}`);
    expect(asked.status?.state).toBe("input-required");
    expect(asked.contextId).toMatch(/^ctx-/);
    // B learned the issued id (X's own ctx.callPeer passes it on to X's peers) and sends it.
    await send(PROBE, { contextId: asked.contextId });
    expect(model.contexts.get(PROBE)).toBe(asked.contextId);
    expect(model.turns.at(-1)).toEqual([PROBE]);
    // A answers the question by the task's id: the same conversation, with its history.
    await send("the red one", { taskId: asked.id });
    expect(model.turns.at(-1)).toEqual([`ask me: ${SECRET}`, "which one?", "the red one"]);
  }, 60_000);
});

describe("ContextIds", () => {
  it("tells its own issued ids from a caller's, a tampered one and another endpoint's", () => {
    const ids = new ContextIds("path-secret-1");
    const issued = ids.of(undefined, "m1");
    expect(issued).toMatch(/^ctx-[A-Za-z0-9_-]{32}$/);
    expect(ids.of(undefined, "m1")).toBe(issued);
    expect(ids.issued(issued)).toBe(true);
    expect(new ContextIds("path-secret-1").issued(issued)).toBe(true); // a restart, a replica
    expect(new ContextIds("path-secret-2").issued(issued)).toBe(false);
    expect(ids.issued(`${issued.slice(0, -1)}${issued.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(ids.issued(ids.of("ctx-chosen-by-the-caller-0000000000", "m2"))).toBe(false);
  });
});
