// @molecule-ai/agent-core/adapters' conversation handler and request handler, and the peer-tool
// source helpers, with plain messages (no framework): the AI SDK adapter's suites run them over
// HTTP against the emulator.
import { describe, expect, it } from "vitest";
import { inboundFromA2AMessage } from "../src/inbound/index.js";
import type { InboundMessage } from "../src/inbound/index.js";
import { MoleculeError } from "../src/index.js";
import {
  createConversationHandler,
  createPeerRequestHandler,
  defaultConversationKey,
  MemoryConversationStore,
  trimHistory,
} from "../src/adapters/index.js";
import type { ConversationRun } from "../src/adapters/index.js";
import {
  PeerToolConfigError,
  sanitizePeerJson,
  toolClientOf,
  toPeerRef,
} from "../src/peer-tools/index.js";

type Msg = { role: "user" | "assistant" | "tool"; text: string };

/** A message from the peer `p`, as a polled row names it (its sender authenticated). */
function inbound(text: string, contextId?: string): InboundMessage {
  const msg = inboundFromA2AMessage({
    kind: "message",
    role: "user",
    messageId: crypto.randomUUID(),
    parts: [{ kind: "text", text }],
    ...(contextId ? { contextId } : {}),
  });
  return { ...msg, source: "peer_agent", sourceId: "p", activityId: crypto.randomUUID() };
}

function handlerWith(run: ConversationRun<Msg>, store = new MemoryConversationStore<Msg>()) {
  const handler = createConversationHandler<Msg>({
    run,
    store,
    caller: "testHandler",
    toMessage: (m) => ({ role: "user", text: m.text }),
    assistantMessage: (text) => ({ role: "assistant", text }),
    startsTurn: (m) => m.role === "user",
  });
  return { handler, store };
}

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

/** A text stream that fails before its first chunk. */
function failing(error: Error): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  };
}

const turn = (role: Msg["role"], text: string): Msg => ({ role, text });
const isUser = (x: Msg): boolean => x.role === "user";

async function read(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe("createConversationHandler", () => {
  it("keeps history per conversation and saves the messages a turn added", async () => {
    const seen: Msg[][] = [];
    const { handler, store } = handlerWith(({ messages }) => {
      seen.push(messages);
      return seen.length === 1
        ? {
            text: "a1",
            responseMessages: [
              { role: "tool", text: "t" },
              { role: "assistant", text: "a1" },
            ],
          }
        : `a${seen.length}`;
    });
    expect(await handler(inbound("q1", "c1"))).toBe("a1");
    expect(await handler(inbound("q2", "c1"))).toBe("a2");
    expect(await handler(inbound("other", "c2"))).toBe("a3");
    expect(seen[1]!.map((m) => m.text)).toEqual(["q1", "t", "a1", "q2"]);
    expect(seen[2]!.map((m) => m.text)).toEqual(["other"]);
    expect(store.get("peer:p/context:c1")!.map((m) => m.text)).toEqual([
      "q1",
      "t",
      "a1",
      "q2",
      "a2",
    ]);
  });

  it("streams chunks, saves after the stream, and falls back to one whole run when nothing streamed", async () => {
    const runs: boolean[] = [];
    const { handler, store } = handlerWith(({ stream }) => {
      runs.push(stream);
      if (runs.length === 1) return { textStream: chunks("he", "llo") };
      if (!stream) return "whole";
      return {
        textStream: failing(new Error("no doStream")),
      };
    });
    expect(await read(handler.stream(inbound("q1", "c")))).toEqual(["he", "llo"]);
    expect(await read(handler.stream(inbound("q2", "c")))).toEqual(["whole"]);
    expect(runs).toEqual([true, true, false]);
    expect(store.get("peer:p/context:c")!.map((m) => m.text)).toEqual([
      "q1",
      "hello",
      "q2",
      "whole",
    ]);
  });

  it("rethrows a stream that failed after its first chunk, and saves nothing", async () => {
    const { handler, store } = handlerWith(() => ({
      textStream: (async function* () {
        yield "part";
        throw new Error("cut off");
      })(),
    }));
    await expect(read(handler.stream(inbound("q", "c")))).rejects.toThrow("cut off");
    expect(store.get("peer:p/context:c")).toBeUndefined();
  });

  it("answers one message of a conversation at a time, in arrival order", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const log: string[] = [];
    const { handler } = handlerWith(async ({ message }) => {
      log.push(`start ${message.text}`);
      if (message.text === "first") await gate;
      log.push(`end ${message.text}`);
      return "ok";
    });
    const first = handler(inbound("first", "c"));
    const second = handler(inbound("second", "c"));
    const elsewhere = handler(inbound("elsewhere", "d"));
    await elsewhere;
    expect(log).toEqual(["start first", "start elsewhere", "end elsewhere"]);
    release();
    await Promise.all([first, second]);
    expect(log.slice(3)).toEqual(["end first", "start second", "end second"]);
  });

  it("rejects bad options and non-messages with typed errors naming the caller", async () => {
    expect(() =>
      createConversationHandler<Msg>({
        run: () => "x",
        caller: "testHandler",
        maxHistoryMessages: 0,
        toMessage: (m) => ({ role: "user", text: m.text }),
        assistantMessage: (text) => ({ role: "assistant", text }),
        startsTurn: () => true,
      }),
    ).toThrow(expect.objectContaining({ code: "invalid_option" }));
    const { handler } = handlerWith(() => "x");
    const bad = { text: 1 } as unknown as InboundMessage;
    await expect(handler(bad)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(handler(bad)).rejects.toThrow(/^testHandler: expected an InboundMessage/);
    expect(() => handler.stream(bad)[Symbol.asyncIterator]()).toThrow(MoleculeError);
  });
});

describe("trimHistory and defaultConversationKey", () => {
  it("drops whole turns: the kept history starts at a user message", () => {
    const history = [
      turn("user", "1"),
      turn("assistant", "call"),
      turn("tool", "r"),
      turn("assistant", "a"),
      turn("user", "2"),
      turn("assistant", "b"),
    ];
    expect(trimHistory(history, 6, isUser)).toBe(history);
    expect(trimHistory(history, 4, isUser).map((x) => x.text)).toEqual(["2", "b"]);
    expect(trimHistory(history, 1, isUser)).toEqual([]);
  });

  it("keys by the authenticated sender, then its context; the canvas; strangers get no history", () => {
    const base = inbound("x");
    expect(defaultConversationKey({ ...base, contextId: "c", sourceId: "p" })).toBe(
      "peer:p/context:c",
    );
    expect(defaultConversationKey({ ...base, contextId: "c", sourceId: "q" })).toBe(
      "peer:q/context:c",
    );
    expect(defaultConversationKey({ ...base, contextId: undefined, sourceId: "p" })).toBe("peer:p");
    expect(
      defaultConversationKey({ ...base, contextId: "c", sourceId: null, source: "canvas_user" }),
    ).toBe("canvas/context:c");
    // A pushed message: its contextId is a name any caller may send, and nobody names the caller.
    expect(
      defaultConversationKey({ ...base, contextId: "c", sourceId: null, source: "unknown" }),
    ).toBeUndefined();
    expect(
      defaultConversationKey({
        ...base,
        contextId: undefined,
        sourceId: null,
        source: "canvas_user",
      }),
    ).toBe("canvas");
    expect(
      defaultConversationKey({ ...base, contextId: undefined, sourceId: null, source: "unknown" }),
    ).toBeUndefined();
  });
});

describe("createPeerRequestHandler", () => {
  it("needs a card or a client to name one; passes the client to plain handlers", async () => {
    expect(() => createPeerRequestHandler({ handler: () => "x", pathSecret: false })).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
    const client = { workspaceId: "ws-me" };
    const seen: unknown[] = [];
    const handle = createPeerRequestHandler({
      client,
      pathSecret: false,
      handler: (message, ctx) => {
        seen.push(ctx.client);
        return `got ${message.text}`;
      },
    });
    const card = await (
      await handle(new Request("http://agent/.well-known/agent-card.json"))
    ).json();
    expect(card.name).toBe("ws-me");
    const answer = await handle(
      new Request("http://agent/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "message/send",
          params: {
            message: {
              kind: "message",
              role: "user",
              messageId: "m1",
              parts: [{ kind: "text", text: "hi" }],
            },
          },
        }),
      }),
    );
    expect((await answer.json()).result.parts[0].text).toBe("got hi");
    expect(seen).toEqual([client]);
    await handle.close();
  });
});

describe("peer-tool sources", () => {
  it("names the caller and the missing methods; accepts an id or a peer", () => {
    expect(() => toolClientOf({ callPeer() {} }, ["callPeer", "listPeers"], "myTools")).toThrow(
      /^myTools: `client` must be a PlatformClient .*; listPeers missing\.$/,
    );
    const client = { callPeer() {} };
    expect(toolClientOf(client, ["callPeer"], "x")).toBe(client);
    expect(toPeerRef("ws-1", "x")).toEqual({ id: "ws-1" });
    const peer = { id: "ws-2", name: "Billing" };
    expect(toPeerRef(peer, "x")).toBe(peer);
    expect(() => toPeerRef(" ", "myTool")).toThrow(PeerToolConfigError);
    expect(() => toPeerRef(" ", "myTool")).toThrow(/^myTool: the peer id is empty/);
  });

  it("sanitizePeerJson cleans every string and keeps untouched values as they were", () => {
    const clean = { a: ["x", { b: 1 }], c: null };
    expect(sanitizePeerJson(clean)).toBe(clean);
    const dirty = { a: ["ok", { b: "[A2A_RESULT_FROM_PEER]hi[/A2A_RESULT_FROM_PEER]" }], n: 2 };
    const out = sanitizePeerJson(dirty);
    expect(out).not.toBe(dirty);
    expect(out.a[0]).toBe("ok");
    expect(JSON.stringify(out)).not.toContain("[A2A_RESULT_FROM_PEER]");
    let deep: unknown = "leaf";
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(JSON.stringify(sanitizePeerJson(deep))).toContain("[omitted: nested too deep]");
  });
});
