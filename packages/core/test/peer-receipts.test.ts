// What a peer call's answer is read as, against a plain HTTP server answering exactly what the
// platform answers (molecule-core #2353, #2967, #2972, #2979): a poll-mode peer's
// `200 {"status":"queued","delivery_mode":"poll","method":...}` is a queued receipt, never an empty
// completed answer, and an answer of no known shape is a typed error, sent once.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { summarizeA2AResult } from "../src/a2a/index.js";
import { MoleculePeerError, PlatformClient } from "../src/index.js";

const SELF = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
const PEER = "11111111-1111-4111-8111-111111111111";
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** A platform whose A2A proxy answers every call with `status` and the exact bytes `body`. */
async function proxyAnswering(
  status: number,
  body: string,
): Promise<{ client: PlatformClient; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      if (req.url === `/workspaces/${PEER}/a2a`) calls++;
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new PlatformClient({ platformUrl: url, workspaceId: SELF, token: "t0ken-t0ken" });
  cleanups.push(
    () => new Promise((r) => server.close(r)),
    () => client.close(),
  );
  return { client, calls: () => calls };
}

describe("a peer call's receipt", () => {
  it("a poll-mode peer's 200 {status: queued, delivery_mode: poll} is a queued receipt (#2353), sent once", async () => {
    const { client, calls } = await proxyAnswering(
      200,
      '{"status":"queued","delivery_mode":"poll","method":"message/send"}',
    );
    const result = await client.callPeer(PEER, "hello", { protocol: "0.3" });
    expect(result).toMatchObject({
      status: "queued",
      deliveryMode: "poll",
      queueId: "",
      peerId: PEER,
      raw: { status: "queued", delivery_mode: "poll", method: "message/send" },
    });
    expect(result).not.toHaveProperty("text");
    expect(calls()).toBe(1);
  });

  it("August 2026: a booting peer's 200 {status, queued: true, queue_id, queue_depth} (a2a_proxy.go, boot turn in flight) is a queued receipt with its queue id", async () => {
    const { client, calls } = await proxyAnswering(
      200,
      '{"method":"message/send","queue_depth":2,"queue_id":"4a1f3c9e-0b7d-4e5a-9c2f-8d6b1e0a7f31","queued":true,"status":"queued"}',
    );
    const result = await client.callPeer(PEER, "hello", { protocol: "0.3" });
    expect(result).toMatchObject({
      status: "queued",
      queueId: "4a1f3c9e-0b7d-4e5a-9c2f-8d6b1e0a7f31",
      queueDepth: 2,
      deliveryMode: "push",
    });
    expect(calls()).toBe(1);
  });

  it("August 2026: the proxy's push-async envelope {status: queued, delivery_mode: push-async} is a queued receipt, not an unknown answer", async () => {
    const { client } = await proxyAnswering(
      200,
      '{"status":"queued","delivery_mode":"push-async","method":"message/send"}',
    );
    const result = await client.callPeer(PEER, "hello", { protocol: "0.3" });
    expect(result).toMatchObject({ status: "queued", queueId: "", deliveryMode: "push" });
  });

  it("a busy push peer's 202 {queued: true, queue_id} stays a queued receipt with its queue id", async () => {
    const { client } = await proxyAnswering(
      202,
      '{"queued":true,"queue_id":"q-1","queue_depth":2,"message":"workspace agent busy"}',
    );
    expect(await client.callPeer(PEER, "hello", { protocol: "0.3" })).toMatchObject({
      status: "queued",
      deliveryMode: "push",
      queueId: "q-1",
      queueDepth: 2,
    });
  });

  it.each([
    ["only one of the poll receipt's keys", 200, '{"status":"queued"}'],
    ["a receipt naming another delivery", 200, '{"status":"queued","delivery_mode":"carrier"}'],
    ["a status word A2A does not define", 200, '{"status":"ok"}'],
    ["an empty object", 200, "{}"],
    ["an array", 200, "[]"],
    ["a busy message without the flag", 202, '{"message":"workspace agent busy"}'],
    ["no body", 200, ""],
    [
      "a task in a state A2A does not define",
      200,
      '{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","contextId":"c","status":{"state":"parked"}}}',
    ],
    [
      "a task without a state",
      200,
      '{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","status":{}}}',
    ],
    ["a result that is a number", 200, '{"jsonrpc":"2.0","id":1,"result":42}'],
  ])(
    "%s is peer_malformed_answer, not retried, never a completed answer",
    async (_name, status, body) => {
      const { client, calls } = await proxyAnswering(status, body);
      const err = await client
        .callPeer(PEER, "hello", { protocol: "0.3" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MoleculePeerError);
      expect(err).toMatchObject({ code: "peer_malformed_answer", retryable: false, status });
      expect((err as Error).message).toContain(PEER);
      expect((err as Error).message).not.toContain("t0ken-t0ken");
      expect(calls()).toBe(1);
    },
  );

  it.each([
    [
      "a JSON-RPC Message",
      '{"jsonrpc":"2.0","id":1,"result":{"kind":"message","role":"agent","messageId":"m","parts":[{"kind":"text","text":"hi"}]}}',
      { status: "completed", text: "hi" },
    ],
    [
      "a JSON-RPC Task that is working",
      '{"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","contextId":"c","status":{"state":"working"}}}',
      { status: "working", taskId: "t", contextId: "c" },
    ],
    [
      "a JSON-RPC text result",
      '{"jsonrpc":"2.0","id":1,"result":"plain"}',
      { status: "completed", text: "plain" },
    ],
    [
      "a bare Message without the envelope",
      '{"kind":"message","role":"agent","messageId":"m","parts":[{"kind":"text","text":"bare"}]}',
      { status: "completed", text: "bare" },
    ],
  ])("%s is read as the answer", async (_name, body, expected) => {
    const { client } = await proxyAnswering(200, body);
    expect(await client.callPeer(PEER, "hello", { protocol: "0.3" })).toMatchObject(expected);
  });
});

describe("summarizeA2AResult", () => {
  it("is undefined for what is no A2A answer, or names no A2A state", () => {
    expect(summarizeA2AResult({ status: "queued", delivery_mode: "poll" })).toBeUndefined();
    expect(summarizeA2AResult({ queued: true })).toBeUndefined();
    expect(
      summarizeA2AResult({ kind: "task", id: "t", status: { state: "unknown" } }),
    ).toBeUndefined();
    expect(summarizeA2AResult(null)).toBeUndefined();
    expect(
      summarizeA2AResult({ kind: "task", id: "t", status: { state: "TASK_STATE_COMPLETED" } }),
    ).toMatchObject({ status: "completed", taskId: "t" });
  });
});
