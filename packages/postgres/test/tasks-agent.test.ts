// The task store reaches push endpoints through the agent's `store` option: two RemoteAgent
// replicas (framework routes) and two replicas of a Nest app (`forRoot({ store })`), each pair
// behind a round-robin proxy, answer tasks/get and tasks/cancel for tasks the other one runs.
import { Injectable } from "@nestjs/common";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { OnPeerMessage, PeerAgent } from "@molecule-ai/nestjs";
import { rpc, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import type { PostgresStore } from "../src/index.js";
import { balance, usePostgres } from "./setup-db.js";
import { platformBearer, startNestTaskReplicas, startTask, stateOn } from "./tasks-replicas.js";

const pg = usePostgres({ emulator: true });

/** Released holds, by message text. */
const gates = new Map<string, () => void>();
const hold = async (text: string): Promise<void> =>
  await new Promise<void>((r) => gates.set(text, r));

describe("the task store through the agent's store option", () => {
  it("RemoteAgent replicas: tasks/get and tasks/cancel answer on both", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "tasks-agents", deliveryMode: "poll" });
    const stores: PostgresStore[] = [];
    const agents: RemoteAgent<PlatformClient>[] = [];
    const ran: Array<{ text: string; replica: number }> = [];
    for (const replica of [0, 1]) {
      const store = createPostgresStore({ connectionString: pg.dbUrl });
      const client = new PlatformClient({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      stores.push(store);
      agents.push(
        new RemoteAgent({
          client,
          store,
          register: false,
          delivery: { mode: "push", server: false, publicUrl: "http://lb.example/a2a" },
          handler: async (msg: InboundMessage) => {
            ran.push({ text: msg.text, replica });
            if (msg.text.startsWith("hold")) await hold(msg.text);
            return `answer ${msg.text}`;
          },
        }),
      );
    }
    await Promise.all(agents.map(async (a) => await a.start()));
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = agents[0]!.client.files.inboundSecret;
    const lb = await balance(
      agents.map((a) => a.createPushHandler({ basePath: "/a2a", pathSecret: false })),
    );
    const direct = await Promise.all(
      agents.map(
        async (a) => await balance([a.createPushHandler({ basePath: "/a2a", pathSecret: false })]),
      ),
    );
    try {
      const id = await startTask(lb.url, "hold one", bearer); // runs on replica 0
      await waitFor(() => gates.has("hold one"));
      expect(ran).toEqual([{ text: "hold one", replica: 0 }]);
      expect(await stateOn(direct[1]!.url, id, bearer)).toBe("working");
      gates.get("hold one")!();
      await waitFor(async () => (await stateOn(direct[1]!.url, id, bearer)) === "completed");
      const task = (await rpc(direct[1]!.url, "tasks/get", { id }, { bearer })).result!;
      expect(task.artifacts?.[0]?.parts[0]?.text).toBe("answer hold one");

      const other = await startTask(direct[0]!.url, "hold two", bearer);
      await waitFor(() => gates.has("hold two"));
      const canceled = await rpc(direct[1]!.url, "tasks/cancel", { id: other }, { bearer });
      expect(canceled.result?.status?.state).toBe("canceled");
      expect(await stateOn(direct[0]!.url, other, bearer)).toBe("canceled");
      expect(
        (await rpc(direct[0]!.url, "tasks/cancel", { id: other }, { bearer })).error?.code,
      ).toBe(-32002);
      gates.get("hold two")!();
    } finally {
      for (const s of [lb, ...direct]) await new Promise((r) => s.server.close(r));
      for (const a of agents) await a.stop();
      for (const a of agents) await a.client.close();
      for (const s of stores) await s.close();
    }
  });

  it("Nest replicas (forRoot({ store })): a task run by one app is answered by the other", async () => {
    @PeerAgent()
    @Injectable()
    class Worker {
      @OnPeerMessage()
      async work(msg: InboundMessage): Promise<string> {
        if (msg.text.startsWith("hold")) await hold(msg.text);
        return `nest ${msg.text}`;
      }
    }
    const ws = await pg.emu.admin.createWorkspace({ name: "tasks-nest", deliveryMode: "poll" });
    const nest = await startNestTaskReplicas({
      platformUrl: pg.emu.url,
      ws,
      dbUrl: pg.dbUrl,
      worker: Worker,
    });
    const { proxy } = nest;
    const bearer = await platformBearer(pg.emu.url, ws); // what the platform's pushes carry
    try {
      const id = await startTask(proxy.url, "hold nest", bearer); // app 0
      await waitFor(() => gates.has("hold nest"));
      expect(await stateOn(proxy.url, id, bearer)).toBe("working"); // app 1
      gates.get("hold nest")!();
      await waitFor(async () => (await stateOn(proxy.url, id, bearer)) === "completed");
      for (const _ of nest.urls) {
        const task = (await rpc(proxy.url, "tasks/get", { id }, { bearer })).result!;
        expect(task.artifacts?.[0]?.parts[0]?.text).toBe("nest hold nest");
      }
    } finally {
      await nest.close();
    }
  });
});
