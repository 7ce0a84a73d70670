// A2A v1.0 §3.6: versions are negotiated by Major.Minor; a patch number is not considered (a MUST),
// so `A2A-Version: 1.0.1` (the newest protocol release) is 1.0 on every binding, while an unknown
// Major.Minor is VersionNotSupportedError and an empty value is 0.3.
import { afterAll, describe, expect, it } from "vitest";
import { createA2AHandler } from "../src/public/a2a.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

const handler = createA2AHandler({
  agentCard: { name: "versions", description: "test" },
  pathSecret: false,
  onMessage: () => "ok",
});
afterAll(() => handler.close());

async function rpc(method: string, params: Json, version: string): Promise<Json> {
  const res = await handler.handleFetch(
    new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": version },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    }),
  );
  return (await res.json()) as Json;
}

async function rest(version: string): Promise<Response> {
  return handler.handleFetch(
    new Request("http://127.0.0.1/tasks/no-such-task", { headers: { "a2a-version": version } }),
  );
}

describe("A2A-Version", () => {
  it("a patch number is not considered: 1.0.1 and 0.3.2 are served as 1.0 and 0.3", async () => {
    for (const [method, version] of [
      ["GetTask", "1.0.1"],
      ["GetTask", "1.0.0"],
      ["tasks/get", "0.3.2"],
    ] as const) {
      const { error } = await rpc(method, { id: "no-such-task" }, version);
      expect([version, error.code]).toEqual([version, -32001]);
    }
    const send = await rpc(
      "SendMessage",
      { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] } },
      "1.0.1",
    );
    expect(send["error"]).toBeUndefined();
    expect((await rest("1.0.1")).status).toBe(404); // the unknown task, not the version
  });

  it("an unknown Major.Minor is VersionNotSupportedError; an empty value is 0.3", async () => {
    for (const version of ["2.0", "1.1", "99.0", "1.0.x"]) {
      const { error } = await rpc("GetTask", { id: "no-such-task" }, version);
      expect([version, error.code]).toEqual([version, -32009]);
    }
    const rejected = await rest("2.0.1");
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as Json)["error"].details[0].reason).toBe(
      "VERSION_NOT_SUPPORTED",
    );
    const empty = await rpc("tasks/get", { id: "no-such-task" }, "");
    expect(empty["error"].code).toBe(-32001);
  });
});
