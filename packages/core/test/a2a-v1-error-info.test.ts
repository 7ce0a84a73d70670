// A2A v1.0 §9.5: a JSON-RPC A2A error (-32001 to -32099) carries a `google.rpc.ErrorInfo` naming
// it in an `error.data` array (the 1.0 conformance kit's JSONRPC-ERR-003, a MUST). v0.3 answers and
// the standard JSON-RPC errors keep their shape.
import { afterAll, describe, expect, it } from "vitest";
import { createA2AHandler } from "../src/public/a2a.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

const handler = createA2AHandler({
  agentCard: { name: "error-info", description: "test" },
  pathSecret: false,
  onMessage: () => "ok",
});
afterAll(() => handler.close());

async function call(method: string, params: Json, headers: Record<string, string> = {}) {
  const res = await handler.handleFetch(
    new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    }),
  );
  return ((await res.json()) as Json)["error"] as Json;
}

const errorInfo = (reason: string) => ({
  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
  reason,
  domain: "a2a-protocol.org",
});

describe("JSON-RPC v1.0 A2A errors", () => {
  it("GetTask of an unknown task: -32001 with ErrorInfo TASK_NOT_FOUND in a data array", async () => {
    const error = await call("GetTask", { id: "no-such-task" }, { "a2a-version": "1.0" });
    expect(error["code"]).toBe(-32001);
    expect(error["data"]).toEqual([errorInfo("TASK_NOT_FOUND")]);
  });

  it("CancelTask of an unknown task, and an unsupported A2A-Version, say which error they are", async () => {
    const cancel = await call("CancelTask", { id: "no-such-task" });
    expect(cancel["code"]).toBe(-32001);
    expect(cancel["data"]).toEqual([errorInfo("TASK_NOT_FOUND")]);
    const version = await call("GetTask", { id: "x" }, { "a2a-version": "99.0" });
    expect(version["code"]).toBe(-32009);
    expect(version["data"]).toEqual([errorInfo("VERSION_NOT_SUPPORTED")]);
  });

  it("v0.3 methods and standard JSON-RPC errors keep their shape", async () => {
    const v03 = await call("tasks/get", { id: "no-such-task" });
    expect(v03["code"]).toBe(-32001);
    expect(v03["data"]).toBeUndefined();
    const params = await call("GetTask", {});
    expect(params["code"]).toBe(-32602);
    expect(params["data"]).toBeUndefined();
  });
});
