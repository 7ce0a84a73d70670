// @molecule-ai/agent-core/adapters: per-key ordering, conversation store, and the message
// endpoint's own rules (the adapters' suites run it over HTTP against the emulator).
import { describe, expect, it } from "vitest";
import { MoleculeError } from "../src/index.js";
import {
  createMessageEndpoint,
  KeyedQueue,
  MemoryConversationStore,
} from "../src/adapters/index.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("KeyedQueue", () => {
  it("runs one job at a time per key in arrival order, other keys alongside, failures included", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const gate = deferred();
    const a1 = queue.run("a", async () => {
      log.push("a1 start");
      await gate.promise;
      log.push("a1 end");
      throw new Error("a1 failed");
    });
    const a2 = queue.run("a", async () => void log.push("a2"));
    const b1 = queue.run("b", async () => void log.push("b1"));
    await b1; // another key does not wait for a1
    expect(log).toEqual(["a1 start", "b1"]);
    gate.resolve();
    await expect(a1).rejects.toThrow("a1 failed");
    await a2;
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2"]);
  });

  it("holds the key while a generator runs and frees it when the reader stops early", async () => {
    const queue = new KeyedQueue();
    let generatorDone = false;
    const gen = queue.iterate("k", async function* () {
      try {
        yield 1;
        yield 2;
      } finally {
        generatorDone = true;
      }
    });
    expect((await gen.next()).value).toBe(1); // the generator now holds "k"
    const sawDone = queue.run("k", async () => generatorDone);
    await gen.return(undefined); // the reader stops early
    expect(await sawDone).toBe(true); // the job waited for the generator to finish
  });
});

describe("MemoryConversationStore", () => {
  it("evicts the least recently used conversation and copies what it returns", () => {
    const store = new MemoryConversationStore<string>({ maxConversations: 2 });
    store.set("a", ["1"]);
    store.set("b", ["2"]);
    store.get("a")?.push("mutated");
    store.set("c", ["3"]); // b is the least recently used
    expect(store.get("a")).toEqual(["1"]);
    expect(store.get("b")).toBeUndefined();
    expect(store.size).toBe(2);
    expect(() => new MemoryConversationStore({ maxConversations: 0 })).toThrow(MoleculeError);
  });
});

describe("createMessageEndpoint", () => {
  it("refuses an endpoint without a path secret or handler, with a typed error", () => {
    const agentCard = { name: "x" };
    for (const options of [
      { handler: () => "hi", agentCard, pathSecret: "" },
      { handler: "nope", agentCard, pathSecret: "s" },
    ]) {
      let error: unknown;
      try {
        createMessageEndpoint(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MoleculeError);
      expect(error).toMatchObject({ code: "invalid_option", retryable: false });
    }
  });

  it("uses the handler's stream() for a message/stream caller and its answer for message/send", async () => {
    const calls: string[] = [];
    const handler = Object.assign(
      async (m: { text: string }) => {
        calls.push(`send:${m.text}`);
        return `whole ${m.text}`;
      },
      {
        async *stream(m: { text: string }) {
          calls.push(`stream:${m.text}`);
          yield "part 1, ";
          yield "part 2";
        },
      },
    );
    const a2a = createMessageEndpoint({ handler, agentCard: { name: "x" }, pathSecret: false });
    const post = (method: string, text: string) =>
      a2a.handleFetch(
        new Request("http://agent/", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method,
            params: {
              message: {
                kind: "message",
                role: "user",
                messageId: crypto.randomUUID(),
                parts: [{ kind: "text", text }],
              },
            },
          }),
        }),
      );
    const sent = await (await post("message/send", "a")).json();
    expect(sent.result.parts[0].text).toBe("whole a");
    const streamed = await (await post("message/stream", "b")).text();
    expect(streamed).toContain("part 1, ");
    expect(streamed).toContain("part 2");
    expect(calls).toEqual(["send:a", "stream:b"]);
    await a2a.close();
  });
});
