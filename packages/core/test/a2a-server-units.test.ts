// Unit tests for the push server's intricate pieces: the nesting scan, the secret matcher, the
// LRU task store, part normalisation and the v1.0 conversion; plus streaming through handleFetch.
import { describe, expect, it } from "vitest";
import { exceedsJsonDepth, exceedsValueDepth, isJsonContentType } from "../src/a2a/server/body.js";
import { endpointKey, keyedId } from "../src/a2a/server/derived-id.js";
import { normalizeMessage, normalizePart } from "../src/a2a/server/normalize.js";
import { messageToV1, taskToV1 } from "../src/a2a/to-v1.js";
import { SecretMatcher } from "../src/a2a/server/secret.js";
import { MemoryTaskStore } from "../src/a2a/server/store.js";
import { buildAgentCard, createA2AHandler, type A2ATask } from "../src/public/a2a.js";

describe("exceedsJsonDepth", () => {
  it("counts nesting outside strings only", () => {
    expect(exceedsJsonDepth("[[[]]]", 3)).toBe(false);
    expect(exceedsJsonDepth("[[[[]]]]", 3)).toBe(true);
    expect(exceedsJsonDepth('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[[1]]}}', 3)).toBe(true);
    expect(exceedsJsonDepth(`["${"[".repeat(100)}"]`, 2)).toBe(false);
  });

  it("handles escaped quotes and escaped backslashes before a quote", () => {
    // "a\"[[[" is one string; "b\\" ends at its quote, so the brackets after it count.
    expect(exceedsJsonDepth(String.raw`["a\"[[[[["]`, 2)).toBe(false);
    expect(exceedsJsonDepth(String.raw`["b\\",[[[]]]]`, 3)).toBe(true);
    expect(exceedsJsonDepth(String.raw`["b\\\"[[[[",1]`, 2)).toBe(false);
  });

  it("is iterative: a million levels do not overflow the stack", () => {
    expect(exceedsJsonDepth("[".repeat(1_000_000), 64)).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(exceedsValueDepth(deep, 64)).toBe(true);
    expect(exceedsValueDepth({ a: [{ b: 1 }] }, 3)).toBe(false);
  });
});

describe("isJsonContentType", () => {
  it("accepts application/json with parameters and +json types only", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("Application/JSON; charset=utf-8")).toBe(true);
    expect(isJsonContentType("application/a2a+json")).toBe(true);
    expect(isJsonContentType("text/plain")).toBe(false);
    expect(isJsonContentType("application/x-www-form-urlencoded")).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});

describe("SecretMatcher", () => {
  it("matches only the exact secret", () => {
    const m = new SecretMatcher("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
    expect(m.matches("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")).toBe(true);
    expect(m.matches("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH")).toBe(false);
    expect(m.matches("abc")).toBe(false);
    expect(m.matches("")).toBe(false);
    // Same UTF-16 length but multi-byte: must not throw in timingSafeEqual.
    expect(m.matches("é".repeat(43))).toBe(false);
  });
});

function task(id: string): A2ATask {
  return { kind: "task", id, contextId: "c", status: { state: "completed" } };
}

describe("MemoryTaskStore", () => {
  it("evicts the least recently used task and get() refreshes recency", () => {
    const store = new MemoryTaskStore(2);
    store.save(task("a"), "ws");
    store.save(task("b"), "ws");
    expect(store.get("a", "ws")?.id).toBe("a"); // a is now the most recent
    store.save(task("c"), "ws");
    expect(store.get("b", "ws")).toBeUndefined();
    expect(store.get("a", "ws")?.id).toBe("a");
    expect(store.size).toBe(2);
  });

  it("cancels only tasks that are not terminal, and a terminal task is never replaced", () => {
    const store = new MemoryTaskStore(5);
    const running: A2ATask = { ...task("r"), status: { state: "working" } };
    store.save(running, "ws");
    expect(store.cancel("missing", "ws")).toEqual({ status: "not_found" });
    expect(store.cancel("r", "ws")).toMatchObject({ status: "canceled", task: { id: "r" } });
    expect(store.cancel("r", "ws")).toMatchObject({ status: "not_cancelable" });
    store.save({ ...task("r"), status: { state: "completed" } }, "ws"); // a late result loses
    expect(store.get("r", "ws")?.status.state).toBe("canceled");
    expect(store.get("r", "other")).toBeUndefined(); // another workspace's task: unknown
    expect(store.cancel("r", "other")).toEqual({ status: "not_found" });
    store.clear();
    expect(store.size).toBe(0);
  });
});

describe("message normalisation", () => {
  it("converts every part spelling to v0.3", () => {
    expect(normalizePart({ type: "text", text: "t" }, "p")).toEqual({ kind: "text", text: "t" });
    expect(normalizePart({ text: "v1" }, "p")).toEqual({ kind: "text", text: "v1" });
    expect(
      normalizePart(
        { url: "https://x/f.pdf", filename: "f.pdf", mediaType: "application/pdf" },
        "p",
      ),
    ).toEqual({
      kind: "file",
      file: { uri: "https://x/f.pdf", name: "f.pdf", mimeType: "application/pdf" },
    });
    expect(normalizePart({ raw: "aGk=" }, "p")).toEqual({ kind: "file", file: { bytes: "aGk=" } });
    expect(normalizePart({ data: { a: 1 } }, "p")).toEqual({ kind: "data", data: { a: 1 } });
    expect(normalizePart({ data: [1, 2] }, "p")).toEqual({ kind: "data", data: { value: [1, 2] } });
    expect(() => normalizePart({ kind: "file", file: {} }, "p")).toThrow(/uri or bytes/);
    expect(() => normalizePart({ kind: "data", data: "x" }, "p")).toThrow(/object/);
  });

  it("defaults role to user and keeps ids, metadata and referenceTaskIds", () => {
    const m = normalizeMessage({
      messageId: "m",
      role: "ROLE_AGENT",
      contextId: "c",
      taskId: "t",
      referenceTaskIds: ["r"],
      metadata: { history: [] },
      parts: [{ text: "x" }],
    });
    expect(m).toEqual({
      kind: "message",
      messageId: "m",
      role: "agent",
      contextId: "c",
      taskId: "t",
      referenceTaskIds: ["r"],
      metadata: { history: [] },
      parts: [{ kind: "text", text: "x" }],
    });
    expect(normalizeMessage({ messageId: "m", parts: [] }).role).toBe("user");
  });

  it("converts tasks and messages to v1.0 proto-JSON", () => {
    const t: A2ATask = {
      kind: "task",
      id: "t",
      contextId: "c",
      status: { state: "input-required", timestamp: "2026-01-01T00:00:00.000Z" },
      artifacts: [
        { artifactId: "a", parts: [{ kind: "file", file: { uri: "u", mimeType: "text/plain" } }] },
      ],
    };
    expect(taskToV1(t)).toEqual({
      id: "t",
      contextId: "c",
      status: { state: "TASK_STATE_INPUT_REQUIRED", timestamp: "2026-01-01T00:00:00.000Z" },
      artifacts: [{ artifactId: "a", parts: [{ url: "u", mediaType: "text/plain" }] }],
    });
    expect(
      messageToV1({
        kind: "message",
        messageId: "m",
        role: "user",
        parts: [{ kind: "data", data: {} }],
      }),
    ).toEqual({
      messageId: "m",
      role: "ROLE_USER",
      parts: [{ data: {} }],
    });
  });
});

describe("buildAgentCard", () => {
  it("keeps the user's extra fields but owns the interface fields", () => {
    const card = buildAgentCard(
      {
        name: "n",
        provider: { organization: "o" },
        url: "http://evil/",
        capabilities: { streaming: true },
      },
      { url: "http://good/s" },
    );
    expect(card.url).toBe("http://good/s");
    expect(card["provider"]).toEqual({ organization: "o" });
    expect(card.capabilities.streaming).toBe(false);
    expect(card.description).toBe("n");
    expect(card.version).toBe("1.0.0");
  });
});

describe("handleFetch streaming", () => {
  it("answers SendStreamingMessage as text/event-stream with v1.0 events", async () => {
    const handler = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "s" },
      streaming: true,
      onMessage: async function* () {
        yield "he";
        yield "llo";
      },
    });
    const res = await handler.handleFetch(
      new Request("http://agent.test/", {
        method: "POST",
        headers: { "content-type": "application/json", "a2a-version": "1.0" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 11,
          method: "SendStreamingMessage",
          params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } },
        }),
      }),
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = (await res.text())
      .trim()
      .split("\n\n")
      .map((e) => JSON.parse(e.slice("data: ".length)));
    expect(events.every((e) => e.id === 11 && e.jsonrpc === "2.0")).toBe(true);
    expect(Object.keys(events[0].result)).toEqual(["task"]);
    expect(events[0].result.task.status.state).toBe("TASK_STATE_WORKING");
    expect(events[1].result.artifactUpdate.artifact.parts).toEqual([{ text: "he" }]);
    expect(events[2].result.artifactUpdate).toMatchObject({
      append: true,
      artifact: { parts: [{ text: "llo" }] },
    });
    expect(events[3].result.artifactUpdate).toMatchObject({
      append: true,
      lastChunk: true,
      artifact: { parts: [{ text: "" }] },
    });
    expect(events[4].result.statusUpdate.status.state).toBe("TASK_STATE_COMPLETED");
    expect(events).toHaveLength(5);
    await handler.close();
    const closed = await handler.handleFetch(
      new Request("http://agent.test/", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(closed.status).toBe(503);
  });
});

describe("keyedId", () => {
  it("is stable across versions and restarts: a question task's id stored before one still matches", () => {
    // The key from the path secret (HMAC), the id from the key and the message's pushKey: a change
    // of algorithm fails here.
    const key = endpointKey("s".repeat(43), "task");
    expect(keyedId(key, "m-1")).toBe(keyedId(endpointKey("s".repeat(43), "task"), "m-1"));
    expect(keyedId(key, "m-1")).toBe("5130a04a-dcf1-8de8-0a01-bc9aea97de46");
    expect(keyedId(endpointKey("t".repeat(43), "task"), "m-1")).not.toBe(keyedId(key, "m-1"));
    expect(keyedId(endpointKey("s".repeat(43), "context"), "m-1")).not.toBe(keyedId(key, "m-1"));
    // Without a path secret the key is random: this instance's alone.
    expect(endpointKey(false, "task")).not.toBe(endpointKey(false, "task"));
  });
});
