// The fate of a call the platform queued for a busy peer: `PlatformClient.getQueuedCall(queueId)`,
// `GET /workspaces/:id/a2a/queue/:queue_id` (molecule-core #2333). Over real HTTP against the
// emulator (both contracts: the April 2026 server has no such route), and against a plain server
// answering exactly the platform's shapes (Postgres-text timestamps, a base64 `response_body`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { isMoleculeError, PlatformClient } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections(); // the emulator's pooled keep-alive connection
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** An A2A endpoint that answers every message with "done". */
async function echoPeer(): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: unknown };
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          result: {
            kind: "message",
            role: "agent",
            messageId: "r",
            parts: [{ kind: "text", text: "done" }],
          },
        }),
      );
    });
  });
  return `http://localhost:${await listen(server)}/a2a`;
}

async function org(compat: "latest" | "2026-04") {
  const emu: Emulator = await startEmulator({ compat });
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  const client = async (name: string) => {
    const w = await admin.createExternalWorkspace({ name });
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    cleanups.push(() => c.close());
    return c;
  };
  const caller = await client("caller");
  const busy = await client("busy");
  const stranger = await client("stranger");
  await busy.register({ url: await echoPeer(), agentCard: { name: "busy" }, deliveryMode: "push" });
  return { emu, caller, busy, stranger };
}

describe("getQueuedCall (latest)", () => {
  it("follows a busy peer's queued call from queued to completed, for its caller and its target", async () => {
    const { emu, caller, busy } = await org("latest");
    emu.injectFault({ path: `/workspaces/${busy.workspaceId}/a2a`, stage: "forward", reset: true });
    const receipt = await caller.callPeer(busy.workspaceId, "later", { protocol: "0.3" });
    expect(receipt).toMatchObject({ status: "queued", deliveryMode: "push" });
    const queueId = receipt.status === "queued" ? receipt.queueId : "";
    const queued = await caller.getQueuedCall(queueId);
    expect(queued).toMatchObject({
      queueId,
      workspaceId: busy.workspaceId,
      status: "queued",
      priority: 50,
      attempts: 0,
    });
    expect(queued.enqueuedAt).toBeInstanceOf(Date);
    expect(Math.abs(queued.enqueuedAt!.getTime() - emu.now())).toBeLessThan(60_000);
    expect(queued.dispatchedAt).toBeUndefined();
    expect((await busy.getQueuedCall(queueId)).status).toBe("queued");

    await busy.heartbeat({ activeTasks: 0 }); // capacity: the platform drains one queued call
    await waitFor(() => emu.queue(busy.workspaceId)[0]?.status === "completed");
    const done = await caller.getQueuedCall(queueId);
    expect(done).toMatchObject({ status: "completed", attempts: 1 });
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.dispatchedAt).toBeInstanceOf(Date);
    expect(done.result).toBeUndefined(); // a plain call's answer is not kept
  });

  it("a workspace that is neither caller nor target, and an unknown id, get the same not_found", async () => {
    const { emu, caller, busy, stranger } = await org("latest");
    emu.injectFault({ path: `/workspaces/${busy.workspaceId}/a2a`, stage: "forward", reset: true });
    const receipt = await caller.callPeer(busy.workspaceId, "later", { protocol: "0.3" });
    const queueId = receipt.status === "queued" ? receipt.queueId : "";
    for (const [who, id] of [
      [stranger, queueId],
      [caller, "7b1d0f3e-0c45-4c1e-9a4b-3f3b1d2c4e5f"],
    ] as const) {
      const err = await who.getQueuedCall(id).catch((e: unknown) => e);
      expect(isMoleculeError(err, "not_found")).toBe(true);
      expect((err as Error).message).toMatch(/neither its caller nor its target/);
    }
  });

  it("an id that is not a queue id is refused before any request", async () => {
    const { caller } = await org("latest");
    const err = await caller.getQueuedCall("../../secrets").catch((e: unknown) => e);
    expect(isMoleculeError(err, "invalid_argument")).toBe(true);
  });
});

describe("getQueuedCall (2026-04)", () => {
  it("the April 2026 server has no queue status route: not_found saying so", async () => {
    const { caller } = await org("2026-04");
    const err = await caller
      .getQueuedCall("7b1d0f3e-0c45-4c1e-9a4b-3f3b1d2c4e5f")
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "not_found")).toBe(true);
    expect((err as Error).message).toMatch(/no queue status route .*#2333/);
  });
});

describe("getQueuedCall against the platform's exact answer", () => {
  it("reads Postgres-text timestamps with their offset and decodes a base64 result row", async () => {
    const row = JSON.stringify({ text: "the answer", delegation_id: "d-1" });
    const body = {
      queue_id: "7b1d0f3e-0c45-4c1e-9a4b-3f3b1d2c4e5f",
      workspace_id: "11111111-1111-4111-8111-111111111111",
      status: "completed",
      priority: 50,
      attempts: 2,
      last_error: "busy",
      enqueued_at: "2026-05-01 12:00:00.123456+05:30",
      dispatched_at: "2026-05-01 12:00:01+00",
      completed_at: "2026-05-01T12:00:02Z",
      response_body: Buffer.from(row).toString("base64"),
    };
    let path = "";
    const server = createServer((req, res) => {
      path = `${req.url} ${req.headers["x-workspace-id"]}`;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    const port = await listen(server);
    const self = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
    const client = new PlatformClient({
      platformUrl: `http://127.0.0.1:${port}`,
      workspaceId: self,
      token: "t0ken-t0ken",
    });
    cleanups.push(() => client.close());
    const q = await client.getQueuedCall(body.queue_id.toUpperCase());
    expect(path).toBe(`/workspaces/${self}/a2a/queue/${body.queue_id} ${self}`);
    expect(q).toMatchObject({ status: "completed", attempts: 2, lastError: "busy" });
    expect(q.enqueuedAt?.toISOString()).toBe("2026-05-01T06:30:00.123Z");
    expect(q.dispatchedAt?.toISOString()).toBe("2026-05-01T12:00:01.000Z");
    expect(q.completedAt?.toISOString()).toBe("2026-05-01T12:00:02.000Z");
    expect(q.expiresAt).toBeUndefined();
    expect(q.result).toEqual({
      text: "the answer",
      delegationId: "d-1",
      body: { text: "the answer", delegation_id: "d-1" },
    });
  });
});
