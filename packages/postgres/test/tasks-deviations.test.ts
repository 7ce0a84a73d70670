// The deviations an official A2A client met (issue #48), with the PostgreSQL task store, over real
// HTTP: a non-blocking send answers `submitted`, a large historyLength is clamped, ListTasks
// refuses a page token or a timestamp it never issued (and still pages with its own tokens), and
// the last chunk of a streamed artifact says so.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2AServer, type A2AServer } from "@molecule-ai/agent-core/a2a";
import { rpc, rpcStream } from "@internal/test-utils";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres();
let store: PostgresStore;
let server: A2AServer;

const user = (text: string) => ({
  kind: "message",
  role: "user",
  messageId: randomUUID(),
  parts: [{ kind: "text", text }],
});

beforeAll(async () => {
  store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "dev48_" });
  server = await startA2AServer({
    agentCard: { name: "deviations" },
    streaming: true,
    textResult: "task",
    taskStore: store.tasks,
    onMessage: async function* (message) {
      for (const p of message.parts) if (p.kind === "text") yield* p.text.split(" ");
    },
  });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
});

describe("issue #48 deviations on the PostgreSQL task store", () => {
  it("a non-blocking send answers submitted", async () => {
    const r = await rpc(server.url, "message/send", {
      message: user("a b"),
      configuration: { blocking: false },
    });
    expect(r.result?.status?.state).toBe("submitted");
  });

  it("a large historyLength is clamped; ListTasks lists no task and refuses tokens it never issued", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await rpc(server.url, "message/send", { message: user(`t ${i}`) });
      ids.push(r.result!.id!);
    }
    const got = await rpc(server.url, "tasks/get", { id: ids[0], historyLength: 999_999 });
    expect((got.result!["history"] as unknown[]).length).toBe(1);
    // Callers cannot be told apart: no caller is shown another's tasks (an empty page, no token).
    const first = await rpc(server.url, "ListTasks", { pageSize: 1, historyLength: 5000 }, true);
    expect(first.result).toMatchObject({ tasks: [], nextPageToken: "", totalSize: 0 });
    const badToken = await rpc(server.url, "ListTasks", { pageToken: "invalid-token-xyz" }, true);
    expect(badToken.error?.code).toBe(-32602);
    const badTime = await rpc(server.url, "ListTasks", { statusTimestampAfter: "-1" }, true);
    expect(badTime.error?.code).toBe(-32602);
  });

  it("the last chunk of a streamed artifact is lastChunk", async () => {
    const s = await rpcStream(server.url, "message/stream", { message: user("x y") });
    const chunks = (await s.rest()).filter((e) => e["kind"] === "artifact-update");
    expect(chunks.map((c) => c["lastChunk"])).toEqual([false, false, true]);
  });
});
