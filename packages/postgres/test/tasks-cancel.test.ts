// tasks/cancel aborts the handler of a RemoteAgent push replica when the cancel lands on another
// replica: two RemoteAgents (each its own server and its own PostgreSQL store) and two replicas
// of a Nest app (`forRoot({ store })`), each pair behind a round-robin proxy. The task starts on
// replica A, the cancel lands on replica B, the handler on A sees its signal abort (through the
// store's NOTIFY), and both replicas answer `canceled`, also after the handler returned late.
import { Injectable } from "@nestjs/common";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { OnPeerMessage, PeerAgent } from "@molecule-ai/nestjs";
import { rpc, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import type { PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import {
  platformBearer,
  roundRobin,
  startNestTaskReplicas,
  startTask,
  stateOn,
} from "./tasks-replicas.js";

const pg = usePostgres({ emulator: true });

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((r) =>
    signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true }),
  );

/** A handler call seen by a test: which replica, its signal, and how to let it return. */
interface Call {
  replica: number;
  text: string;
  signal: AbortSignal;
  release: () => void;
}

describe("tasks/cancel on one replica aborts the handler on another (PostgreSQL task store)", () => {
  it("RemoteAgent push replicas behind a round-robin proxy", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "cancel-agents", deliveryMode: "poll" });
    const calls: Call[] = [];
    const stores: PostgresStore[] = [];
    const agents: RemoteAgent<PlatformClient>[] = [];
    for (const replica of [0, 1]) {
      const store = createPostgresStore({ connectionString: pg.dbUrl });
      stores.push(store);
      const client = new PlatformClient({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      agents.push(
        new RemoteAgent({
          client,
          store,
          register: false,
          delivery: { mode: "push", port: 0 },
          logger: {},
          handler: async (msg: InboundMessage, ctx: HandlerContext) => {
            let release!: () => void;
            const released = new Promise<void>((r) => (release = r));
            calls.push({ replica, text: msg.text, signal: ctx.signal, release });
            await released; // returns late, after the cancel: its answer must go nowhere
            return `answer ${msg.text}`;
          },
        }),
      );
    }
    await Promise.all(agents.map(async (a) => await a.start()));
    const [a, b] = agents.map((x) => x.pushUrl!) as [string, string];
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = agents[0]!.client.files.inboundSecret;
    const proxy = await roundRobin(() => [a, b]);
    try {
      const id = await startTask(proxy.url, "long job", bearer); // replica A
      await waitFor(() => calls.length === 1);
      expect(calls[0]!.replica).toBe(0);
      const canceled = await rpc(proxy.url, "tasks/cancel", { id }, { bearer }); // replica B
      expect(canceled.result?.status?.state).toBe("canceled");
      await aborted(calls[0]!.signal);
      expect((calls[0]!.signal.reason as { code?: string }).code).toBe("task_canceled");
      expect(calls[0]!.signal.aborted).toBe(true);
      calls[0]!.release();
      await waitFor(() => agents[0]!.activeTasks === 0);
      for (const url of [a, b]) {
        const task = (await rpc(url, "tasks/get", { id }, { bearer })).result!;
        expect(task.status?.state).toBe("canceled");
        expect(task.artifacts).toBeUndefined();
      }
      expect(calls).toHaveLength(1); // not retried, not run on B

      // The next task on B is not affected (its own signal) and completes.
      const next = await startTask(b, "next", bearer);
      await waitFor(() => calls.length === 2);
      expect(calls[1]!.replica).toBe(1);
      calls[1]!.release();
      await waitFor(async () => (await stateOn(a, next, bearer)) === "completed");
      expect(calls[1]!.signal.aborted).toBe(false);
    } finally {
      await new Promise((r) => proxy.server.close(r));
      for (const x of agents) await x.stop();
      for (const x of agents) await x.client.close();
      for (const s of stores) await s.close();
    }
  });

  it("Nest replicas (forRoot({ store })): the @OnPeerMessage method's ctx.signal aborts", async () => {
    const calls: Call[] = [];
    let app = 0;
    @PeerAgent()
    @Injectable()
    class Worker {
      readonly replica = app++;
      @OnPeerMessage()
      async work(msg: InboundMessage, ctx: HandlerContext): Promise<string> {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        calls.push({ replica: this.replica, text: msg.text, signal: ctx.signal, release });
        await Promise.race([released, aborted(ctx.signal)]);
        return `nest ${msg.text}`;
      }
    }
    const ws = await pg.emu.admin.createWorkspace({ name: "cancel-nest", deliveryMode: "poll" });
    const nest = await startNestTaskReplicas({
      platformUrl: pg.emu.url,
      ws,
      dbUrl: pg.dbUrl,
      worker: Worker,
      logger: {},
    });
    const { proxy, urls } = nest;
    const bearer = await platformBearer(pg.emu.url, ws); // what the platform's pushes carry
    try {
      const id = await startTask(proxy.url, "nest job", bearer); // app 0
      await waitFor(() => calls.length === 1);
      expect((await rpc(proxy.url, "tasks/cancel", { id }, { bearer })).result?.status?.state).toBe(
        "canceled",
      ); // app 1
      await aborted(calls[0]!.signal);
      for (const url of urls) {
        await waitFor(async () => (await stateOn(url, id, bearer)) === "canceled");
        expect((await rpc(url, "tasks/get", { id }, { bearer })).result?.artifacts).toBeUndefined();
      }
      expect(calls).toHaveLength(1);
    } finally {
      await nest.close();
    }
  });
});
