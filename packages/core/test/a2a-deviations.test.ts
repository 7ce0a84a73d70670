// Deviations an official A2A client met (issue #48), each over real HTTP on the built-in server
// and on handleFetch / handleNode, with the in-memory and the file task store: refusals of v0.3
// streaming methods are event streams, the last artifact chunk says so, a non-blocking send answers
// `submitted`, a large historyLength is clamped, a v0.3 message names its role, and ListTasks
// refuses a page token or timestamp it never issued.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, rpcStream } from "@internal/test-utils";
import type { A2ATaskStore } from "../src/a2a/server/store.js";
import { FileTaskStore } from "../src/store/index.js";
import {
  createA2AHandler,
  startA2AServer,
  type A2AHandler,
  type A2AMessage,
  type A2AHandlerOptions,
} from "../src/public/a2a.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

const textOf = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");

const user = (text: string, extra: Json = {}): Json => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text }],
  ...extra,
});

const userV1 = (text: string): Json => ({
  messageId: crypto.randomUUID(),
  role: "ROLE_USER",
  parts: [{ text }],
});

const options: A2AHandlerOptions = {
  pathSecret: false,
  agentCard: { name: "deviations" },
  streaming: true,
  textResult: "task",
  onMessage: async function* (message) {
    const text = textOf(message);
    if (text === "one") {
      yield "only";
      return;
    }
    for (const word of text.split(" ")) yield word;
  },
};

/** A node:http server in front of `handler.handleFetch` (the fetch adapter over real HTTP). */
async function serveFetch(handler: A2AHandler): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const body = req.method === "POST" ? Buffer.concat(chunks) : undefined;
    const answer = await handler.handleFetch(
      new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }),
    );
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (answer.body === null) return void res.end();
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** One endpoint under test: its URL and how to stop it. */
interface Endpoint {
  url: string;
  close(): Promise<void>;
}

const dirs: string[] = [];
const fileStore = (): A2ATaskStore => {
  const dir = mkdtempSync(join(tmpdir(), "a2a-deviations-"));
  dirs.push(dir);
  return new FileTaskStore(join(dir, "tasks.json"));
};

const endpoints: Array<[string, () => Promise<Endpoint>]> = [
  ["startA2AServer, memory store", async () => startA2AServer(options)],
  [
    "startA2AServer, file store",
    async () => startA2AServer({ ...options, taskStore: fileStore() }),
  ],
  [
    "handleFetch, memory store",
    async () => {
      const handler = createA2AHandler(options);
      const { url, server } = await serveFetch(handler);
      return {
        url,
        close: async () => {
          await handler.close();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  ],
  [
    "handleNode, file store",
    async () => {
      const handler = createA2AHandler({ ...options, taskStore: fileStore() });
      const server = createServer((req, res) => void handler.handleNode(req, res));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: async () => {
          await handler.close();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  ],
];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A raw JSON-RPC POST: the content type and the first SSE frame's or the JSON body. */
async function raw(
  url: string,
  body: Json,
  headers: Record<string, string> = {},
): Promise<{ type: string; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { type: res.headers.get("content-type") ?? "", text: await res.text() };
}

describe.each(endpoints)("%s", (_label, start) => {
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await start();
  });
  afterAll(async () => {
    await ep.close();
  });

  describe("a refusal of a v0.3 streaming method is an event stream", () => {
    it.each([
      ["message/stream with params: []", { method: "message/stream", params: [] }, {}, -32602],
      [
        'tasks/resubscribe with params: "x"',
        { method: "tasks/resubscribe", params: "x" },
        {},
        -32602,
      ],
      [
        "message/stream with an unsupported A2A-Version",
        { method: "message/stream", params: { message: user("hi") } },
        { "a2a-version": "9.9" },
        -32009,
      ],
      [
        "tasks/resubscribe with an unsupported A2A-Version",
        { method: "tasks/resubscribe", params: { id: "t" } },
        { "a2a-version": "9.9" },
        -32009,
      ],
    ])("%s", async (_name, call, headers, code) => {
      const { type, text } = await raw(ep.url, { jsonrpc: "2.0", id: 7, ...call }, headers);
      expect(type).toMatch(/^text\/event-stream/);
      expect(text.startsWith("event: error\ndata: ")).toBe(true);
      const body = JSON.parse(text.split("\n")[1]!.slice("data: ".length)) as Json;
      expect(body).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code } });
    });

    it("v1.0 streaming methods still refuse as JSON; message/send is unchanged", async () => {
      const v1 = await raw(ep.url, {
        jsonrpc: "2.0",
        id: 1,
        method: "SendStreamingMessage",
        params: [],
      });
      expect(v1.type).toMatch(/^application\/json/);
      expect(JSON.parse(v1.text).error.code).toBe(-32602);
      const send = await raw(ep.url, { jsonrpc: "2.0", id: 1, method: "message/send", params: [] });
      expect(send.type).toMatch(/^application\/json/);
    });
  });

  describe("lastChunk", () => {
    it("is true on the last chunk of a streamed artifact (v0.3), and only there", async () => {
      const s = await rpcStream(ep.url, "message/stream", { message: user("a b c") });
      const events = await s.rest();
      const chunks = events.filter((e) => e["kind"] === "artifact-update");
      expect(chunks.map((c) => c["artifact"].parts[0].text)).toEqual(["a", "b", "c", ""]);
      expect(chunks.map((c) => c["lastChunk"])).toEqual([false, false, false, true]);
      expect(chunks.map((c) => c["append"])).toEqual([false, true, true, true]);
      expect(events.at(-1)).toMatchObject({ kind: "status-update", final: true });
    });

    it("is true on a v1.0 stream's last chunk too", async () => {
      const s = await rpcStream(ep.url, "SendStreamingMessage", { message: userV1("one") }, true);
      const chunks = (await s.rest()).filter((e) => e["artifactUpdate"] !== undefined);
      expect(chunks.map((c) => c["artifactUpdate"].lastChunk)).toEqual([false, true]);
    });
  });

  describe("a non-blocking send", () => {
    it("answers submitted (v0.3 blocking: false, v1.0 returnImmediately), without historyLength", async () => {
      const v03 = await rpc(ep.url, "message/send", {
        message: user("x y"),
        configuration: { blocking: false },
      });
      expect(v03.result?.status?.state).toBe("submitted");
      const v1 = await rpc(
        ep.url,
        "SendMessage",
        { message: userV1("x y"), configuration: { returnImmediately: true } },
        true,
      );
      expect(v1.result?.task?.status?.state).toBe("TASK_STATE_SUBMITTED");
    });
  });

  describe("historyLength", () => {
    it("a large one is clamped to what is stored (tasks/get, GetTask, ListTasks, a send)", async () => {
      const sent = await rpc(ep.url, "message/send", {
        message: user("h i"),
        configuration: { historyLength: 999_999_999 },
      });
      expect(sent.error).toBeUndefined();
      const id = sent.result!.id!;
      const got = await rpc(ep.url, "tasks/get", { id, historyLength: 999_999 });
      expect((got.result!["history"] as unknown[]).length).toBe(1);
      const v1 = await rpc(ep.url, "GetTask", { id, historyLength: 999_999 }, true);
      expect((v1.result!["history"] as unknown[]).length).toBe(1);
      const list = await rpc(ep.url, "ListTasks", { historyLength: 5000 }, true);
      expect(list.error).toBeUndefined();
      for (const bad of [-1, 1.5, "3"]) {
        const r = await rpc(ep.url, "tasks/get", { id, historyLength: bad });
        expect(r.error?.code).toBe(-32602);
        expect(r.error?.message).toContain("params.historyLength");
      }
    });
  });

  describe("role", () => {
    it("a v0.3 message without role is refused -32602, as @a2a-js/sdk 1.3 refuses it", async () => {
      const { role: _, ...noRole } = user("who");
      const r = await rpc(ep.url, "message/send", { message: noRole });
      expect(r.error?.code).toBe(-32602);
      expect(r.error?.message).toContain('params.message.role must be "user" or "agent"');
      const s = await rpc(ep.url, "message/stream", { message: noRole });
      expect(s.error?.code).toBe(-32602);
    });

    it("the platform dialect (parts spelled type, the channel plugin's body) may still omit it", async () => {
      const r = await rpc(ep.url, "message/send", {
        message: { messageId: crypto.randomUUID(), parts: [{ type: "text", text: "p" }] },
      });
      expect(r.error).toBeUndefined();
    });

    it("v1.0 SendMessage without role (or ROLE_UNSPECIFIED) is refused -32602, as the spec requires", async () => {
      for (const role of [undefined, "ROLE_UNSPECIFIED"]) {
        const message = { messageId: crypto.randomUUID(), parts: [{ text: "v1" }], role };
        const r = await rpc(ep.url, "SendMessage", { message }, true);
        expect(r.error?.code).toBe(-32602);
        expect(r.error?.message).toContain("params.message.role");
      }
    });
  });

  describe("ListTasks", () => {
    it.each([
      ["pageToken: invalid-token-xyz", { pageToken: "invalid-token-xyz" }, "params.pageToken"],
      ["statusTimestampAfter: -1", { statusTimestampAfter: "-1" }, "params.statusTimestampAfter"],
      [
        "statusTimestampAfter: a date",
        { statusTimestampAfter: "2026" },
        "params.statusTimestampAfter",
      ],
    ])("%s -> -32602", async (_name, params, field) => {
      const r = await rpc(ep.url, "ListTasks", params, true);
      expect(r.error?.code).toBe(-32602);
      expect(r.error?.message).toContain(field);
    });

    it("a well-formed token and an RFC 3339 timestamp are answered, with an empty page (#69)", async () => {
      // After sends, still none is listed: the push path names no caller, so a listing would show
      // every caller's tasks to every other (docs/security.md); a page is empty and ends at once.
      for (let i = 0; i < 3; i++) await rpc(ep.url, "message/send", { message: user("p q") });
      const empty = { tasks: [], nextPageToken: "", totalSize: 0 };
      const first = await rpc(ep.url, "ListTasks", { pageSize: 1 }, true);
      expect(first.result).toMatchObject(empty);
      const token = await rpc(ep.url, "ListTasks", { pageSize: 1, pageToken: "1" }, true);
      expect(token.result).toMatchObject(empty);
      const since = await rpc(
        ep.url,
        "ListTasks",
        { statusTimestampAfter: "2000-01-01T00:00:00.000Z" },
        true,
      );
      expect(since.result).toMatchObject(empty);
    });
  });
});
