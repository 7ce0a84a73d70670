// The message-handler shape the adapters share: conversation keys, one turn at a time per
// conversation, whole and streamed answers, cancellation by the reader.
import { describe, expect, it } from "vitest";
import { conversationKey, createTurnHandler } from "../src/adapters/index.js";
import type { InboundMessage } from "../src/index.js";

function message(fields: Partial<InboundMessage> = {}): InboundMessage {
  return {
    activityId: null,
    source: "peer",
    sourceId: null,
    text: "hi",
    method: "message/send",
    createdAt: null,
    ...fields,
  } as InboundMessage;
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

describe("conversationKey", () => {
  it.each([
    [
      "context within the sender by default",
      message({ sourceId: "p", contextId: "c" }),
      "context",
      "peer:p/context:c",
    ],
    ["peer first", message({ sourceId: "p", contextId: "c" }), "peer", "peer:p"],
    ["context falls back to the sender", message({ sourceId: "p" }), "context", "peer:p"],
    ["a context without a sender: no key", message({ contextId: "c" }), "peer", undefined],
    ["a context without a sender: no key", message({ contextId: "c" }), "context", undefined],
    ["the canvas user", message({ source: "canvas_user" }), "peer", "canvas"],
    [
      "the canvas user's context",
      message({ source: "canvas_user", contextId: "c" }),
      "context",
      "canvas/context:c",
    ],
    ["nobody: no key", message({ source: "unknown" }), "context", undefined],
  ] as const)("%s", (_name, msg, strategy, expected) => {
    expect(conversationKey(msg, strategy)).toBe(expected);
  });

  it("uses a function's key, and the sender's when it returns undefined", () => {
    expect(conversationKey(message({ text: "x" }), (m) => `t:${m.text}`)).toBe("t:x");
    const msg = message({ sourceId: "p", contextId: "c" });
    expect(conversationKey(msg, () => undefined)).toBe("peer:p");
  });
});

describe("createTurnHandler", () => {
  it("runs turns of one key in arrival order, other keys alongside, and passes the key", async () => {
    const gate = deferred();
    const log: string[] = [];
    const handler = createTurnHandler(
      async (msg, { key }) => {
        log.push(`start ${msg.text} ${key}`);
        if (msg.text === "a1") await gate.promise;
        log.push(`end ${msg.text}`);
        return msg.text.toUpperCase();
      },
      (msg) => msg.contextId,
    );
    const a1 = handler(message({ text: "a1", contextId: "a" }));
    const a2 = handler(message({ text: "a2", contextId: "a" }));
    expect(await handler(message({ text: "b1", contextId: "b" }))).toBe("B1");
    expect(log).toEqual(["start a1 a", "start b1 b", "end b1"]);
    gate.resolve();
    expect(await Promise.all([a1, a2])).toEqual(["A1", "A2"]);
    expect(log.slice(3)).toEqual(["end a1", "start a2 a", "end a2"]);
  });

  it("never starts a turn whose signal is already aborted", async () => {
    let runs = 0;
    const handler = createTurnHandler(
      async () => String(++runs),
      () => "k",
    );
    await expect(handler(message(), { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(runs).toBe(0);
  });

  it("streams what the turn emits (empty pieces dropped), else the whole reply once", async () => {
    const streaming = createTurnHandler(
      async (_msg, { emit }) => {
        for (const piece of ["a", "", "b"]) emit?.(piece);
        return "ab";
      },
      () => undefined,
    );
    expect(await collect(streaming.stream(message()))).toEqual(["a", "b"]);
    expect(await streaming(message())).toBe("ab"); // no emit when not streaming

    const whole = createTurnHandler(
      async () => "all at once",
      () => undefined,
    );
    expect(await collect(whole.stream(message()))).toEqual(["all at once"]);
    const silent = createTurnHandler(
      async () => undefined,
      () => undefined,
    );
    expect(await collect(silent.stream(message()))).toEqual([]);
  });

  it("fails the stream with the turn's error", async () => {
    const handler = createTurnHandler(
      async (_msg, { emit }) => {
        emit?.("partial");
        throw new Error("model down");
      },
      () => undefined,
    );
    const seen: string[] = [];
    await expect(async () => {
      for await (const c of handler.stream(message())) seen.push(c);
    }).rejects.toThrow("model down");
    expect(seen).toEqual(["partial"]);
  });

  it("aborts the turn when the reader stops, and frees the key for the next turn", async () => {
    const aborted = deferred<unknown>();
    const handler = createTurnHandler(
      async (msg, { emit, signal }) => {
        if (msg.text !== "first") return "next";
        emit?.("one");
        await new Promise<void>((resolve) =>
          signal?.addEventListener("abort", () => resolve(), { once: true }),
        );
        aborted.resolve(signal?.reason);
        return "never read";
      },
      () => "same",
    );
    for await (const chunk of handler.stream(message({ text: "first" }))) {
      expect(chunk).toBe("one");
      break;
    }
    expect(String(await aborted.promise)).toMatch(/reader went away/);
    expect(await handler(message({ text: "second" }))).toBe("next");
  });
});
