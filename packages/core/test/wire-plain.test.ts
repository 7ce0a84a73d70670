// wire/plain.ts parses what an idle poll agent reads (register, state, the activity feed, issue 88)
// and a peer call's answer (issue 114) without zod: each parser gives what its zod twin would
// (value, first issue's path and message), and an agent's start, state check, poll and peer call
// load no zod.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { startEmulator } from "@molecule-ai/platform-emulator";
import {
  activityListSchema,
  activityRowSchema,
  jsonRpcResponseSchema,
  parseWire,
  pollQueuedSchema,
  queuedSchema,
  registerResponseSchema,
  stateResponseSchema,
} from "../src/wire/index.js";

const str = z.string();
const optStr = z.string().nullish();
// The zod schemas plain.ts stands in for, as schemas.ts declares them.
const twins = {
  register: [
    registerResponseSchema,
    z.looseObject({
      status: str,
      auth_token: z.string().optional(),
      delivery_mode: z.string().optional(),
      platform_inbound_secret: z.string().optional(),
    }),
  ],
  state: [
    stateResponseSchema,
    z.looseObject({
      workspace_id: optStr,
      status: optStr,
      paused: z.boolean().nullish(),
      deleted: z.boolean().nullish(),
    }),
  ],
  row: [
    activityRowSchema,
    z.looseObject({
      id: str,
      workspace_id: optStr,
      activity_type: optStr,
      source_id: optStr,
      target_id: optStr,
      method: optStr,
      summary: optStr,
      status: optStr,
      created_at: optStr,
      seq: z.unknown().optional(),
      request_body: z.unknown().optional(),
      response_body: z.unknown().optional(),
      data: z.unknown().optional(),
    }),
  ],
  list: [
    activityListSchema,
    z.union([z.array(z.unknown()), z.looseObject({ items: z.array(z.unknown()) })]),
  ],
  queued: [
    queuedSchema,
    z.looseObject({
      queued: z.literal(true),
      queue_id: z.string().optional(),
      queue_depth: z.number().optional(),
      delivery_mode: z.string().optional(),
      message: z.string().optional(),
    }),
  ],
  pollQueued: [
    pollQueuedSchema,
    z.looseObject({
      status: z.literal("queued"),
      delivery_mode: z.literal("poll"),
      method: z.string().optional(),
    }),
  ],
  jsonRpc: [
    jsonRpcResponseSchema,
    z.looseObject({
      jsonrpc: z.string().optional(),
      id: z.unknown().optional(),
      result: z.unknown().optional(),
      error: z
        .looseObject({
          code: z.number(),
          message: z.string().optional(),
          data: z.unknown().optional(),
        })
        .optional(),
    }),
  ],
} as const;

class Custom {
  status = "ok";
}

const inputs: unknown[] = [
  undefined,
  null,
  0,
  Number.NaN,
  "x",
  true,
  [],
  [1, { id: "a" }],
  {},
  new Custom(),
  new Date(0),
  { items: [] },
  { items: "no" },
  { items: [{ id: 1 }], next: "c" },
  { status: "registered" },
  { status: 1 },
  { status: "ok", auth_token: null },
  { status: "ok", auth_token: "t", delivery_mode: 7, extra: { a: 1 } },
  { status: "ok", platform_inbound_secret: "s", delivery_mode: "poll" },
  { workspace_id: null, status: "online", paused: false, deleted: null },
  { paused: "no" },
  { deleted: 1, status: 2 },
  { id: "r1" },
  { id: 5 },
  { id: "r1", method: null, seq: 12, request_body: { a: [1] }, data: null, x: 1 },
  { id: "r1", created_at: 123 },
  { id: "r1", summary: "s", source_id: ["a"] },
  JSON.parse('{"id":"r","__proto__":{"polluted":true}}'),
  { queued: true },
  { queued: "true", queue_id: "q" },
  { queued: true, queue_id: "q1", queue_depth: 3, delivery_mode: "push", message: "busy" },
  { queued: true, queue_depth: Number.NaN },
  { queued: true, queue_depth: Number.POSITIVE_INFINITY },
  { queued: true, queue_depth: "3" },
  { status: "queued", delivery_mode: "poll", method: "message/send" },
  { status: "queued", delivery_mode: "push" },
  { status: "queued", delivery_mode: "poll", method: 1 },
  { jsonrpc: "2.0", id: 1, result: { kind: "message", parts: [] } },
  { jsonrpc: 2, id: "a" },
  { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "nope", data: { code: "x" } } },
  { error: null },
  { error: 1 },
  { error: {} },
  { error: { code: "1" } },
  { error: { code: 1.5, message: 7 } },
  { error: { code: Number.NEGATIVE_INFINITY } },
  { error: JSON.parse('{"code":1,"__proto__":{"polluted":true}}') },
];

describe("wire/plain.ts", () => {
  for (const [name, [plain, zod]] of Object.entries(twins)) {
    it(`${name}: the same answer as its zod schema on every input`, () => {
      for (const input of inputs) {
        const ours = parseWire(plain as never, input);
        const theirs = parseWire(zod as never, input);
        expect({ input, r: ours }).toEqual({ input, r: theirs });
      }
    });
  }

  it("an agent's start, state check, poll and peer call load no zod", async () => {
    const emu = await startEmulator();
    try {
      const ws = await emu.admin.createWorkspace({ name: "idle", deliveryMode: "poll" });
      const peer = await emu.admin.createWorkspace({ name: "peer", deliveryMode: "poll" });
      const dist = new URL("../dist/index.js", import.meta.url).href;
      const script = `
        import { registerHooks } from "node:module";
        const resolved = [];
        registerHooks({ resolve: (s, c, next) => { const r = next(s, c); resolved.push(r.url); return r; } });
        const core = await import(${JSON.stringify(dist)});
        const client = new core.PlatformClient({ platformUrl: ${JSON.stringify(emu.url)}, workspaceId: ${JSON.stringify(ws.id)}, token: ${JSON.stringify(ws.token)} });
        await client.register({ agentCard: { name: "idle" }, deliveryMode: "poll" });
        await client.heartbeat();
        await client.getState();
        await client.fetchActivityRows({});
        const call = await client.callPeer(${JSON.stringify(peer.id)}, "hi");
        if (call.status !== "queued") throw new Error("expected a poll peer's receipt: " + call.status);
        await client.close();
        console.log(JSON.stringify(resolved.filter((u) => u.includes("/zod/"))));
      `;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", script],
        { env: { ...process.env, MOLECULE_LOG_LEVEL: "silent" }, timeout: 30_000 },
      );
      expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});
