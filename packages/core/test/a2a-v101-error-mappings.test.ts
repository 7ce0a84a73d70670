// A2A v1.0.1 §5.4 (issue #102): every binding answers each A2A error as the one table
// (A2A_ERROR_MAPPINGS) says, over real HTTP: the HTTP+JSON status, `google.rpc.Code` name and
// ErrorInfo reason; the JSON-RPC code and, for a wrong Content-Type, the HTTP status (400 to a
// v1.0 caller). The v0.3 binding keeps its 415 for a wrong Content-Type. The gRPC binding's codes
// are tested from the same table in packages/grpc/test/refusals.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  A2A_ERROR_MAPPINGS,
  startA2AServer,
  type A2AErrorMapping,
  type A2AServer,
} from "../src/public/a2a.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

let server: A2AServer;
beforeAll(async () => {
  // No push notifications, no extended card: both refusals can be caused.
  server = await startA2AServer({
    agentCard: { name: "mappings" },
    pushNotifications: false,
    onMessage: () => "ok",
  });
});
afterAll(() => server?.close());

const V1 = { "a2a-version": "1.0" };

/** An HTTP+JSON request below the endpoint: its status and `google.rpc.Status` body. */
async function rest(method: string, path: string, headers: Record<string, string> = V1) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(method === "POST" ? { body: JSON.stringify({ message: { messageId: "m" } }) } : {}),
  });
  return { status: res.status, error: ((await res.json()) as Json)["error"] as Json };
}

/** What the HTTP+JSON binding must answer for `m`. */
function expectRest(got: { status: number; error: Json }, m: A2AErrorMapping): void {
  expect([got.status, got.error["code"], got.error["status"]]).toEqual([m.http, m.http, m.grpc]);
  expect(got.error["details"][0]).toMatchObject({ reason: m.reason, domain: "a2a-protocol.org" });
}

/** A JSON-RPC call: its HTTP status and `error`. */
async function rpc(method: string, params: Json, headers: Record<string, string> = V1) {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return { status: res.status, error: ((await res.json()) as Json)["error"] as Json };
}

describe("HTTP+JSON: A2A v1.0.1 statuses from the table", () => {
  it("ContentTypeNotSupported: a POST that is not JSON is 400 (v1.0.0 said 415)", async () => {
    const got = await rest("POST", "/message:send", { ...V1, "content-type": "text/plain" });
    expectRest(got, A2A_ERROR_MAPPINGS.ContentTypeNotSupported);
    expect(got.status).toBe(400);
  });

  it("VersionNotSupported, UnsupportedOperation, PushNotificationNotSupported: 400 FAILED_PRECONDITION", async () => {
    const version = await rest("GET", "/tasks/x", { "a2a-version": "99.0" });
    expectRest(version, A2A_ERROR_MAPPINGS.VersionNotSupported);
    expectRest(await rest("GET", "/extendedAgentCard"), A2A_ERROR_MAPPINGS.UnsupportedOperation);
    const push = await rest("GET", "/tasks/t/pushNotificationConfigs/c");
    expectRest(push, A2A_ERROR_MAPPINGS.PushNotificationNotSupported);
    expect(version.error["status"]).toBe("FAILED_PRECONDITION");
  });

  it("TaskNotFound: 404 NOT_FOUND", async () => {
    const got = await rest("GET", "/tasks/no-such-task");
    expectRest(got, A2A_ERROR_MAPPINGS.TaskNotFound);
    expect(got.status).toBe(404);
  });
});

describe("JSON-RPC: A2A v1.0.1 codes from the table", () => {
  it("a wrong Content-Type from a v1.0 caller is HTTP 400, ContentTypeNotSupported, with its ErrorInfo", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { ...V1, "content-type": "text/plain" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } }),
    });
    const m = A2A_ERROR_MAPPINGS.ContentTypeNotSupported;
    const error = ((await res.json()) as Json)["error"] as Json;
    expect([res.status, error["code"]]).toEqual([m.http, m.jsonrpc]);
    // The ErrorInfo every v1.0 error carries (§9.5).
    expect(error["data"]).toEqual([
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: m.reason,
        domain: "a2a-protocol.org",
      },
    ]);
  });

  it("the v0.3 binding is unchanged: a wrong Content-Type without A2A-Version stays 415", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tasks/get", params: { id: "x" } }),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as Json)["error"]["code"]).toBe(
      A2A_ERROR_MAPPINGS.ContentTypeNotSupported.jsonrpc,
    );
  });

  it("VersionNotSupported, UnsupportedOperation, TaskNotFound: their codes and reasons", async () => {
    const cases: [string, Json, Record<string, string>, A2AErrorMapping][] = [
      ["GetTask", { id: "x" }, { "a2a-version": "99.0" }, A2A_ERROR_MAPPINGS.VersionNotSupported],
      ["GetExtendedAgentCard", {}, V1, A2A_ERROR_MAPPINGS.UnsupportedOperation],
      ["GetTask", { id: "no-such-task" }, V1, A2A_ERROR_MAPPINGS.TaskNotFound],
    ];
    for (const [method, params, headers, m] of cases) {
      const { error } = await rpc(method, params, headers);
      expect([error["code"], error["data"][0]["reason"]]).toEqual([m.jsonrpc, m.reason]);
    }
  });
});
