// Push notification configs (webhooks) on the PostgreSQL task store (issue #61): a config set on
// one replica is read on another (get, list) and notified by the replica that runs the task,
// with its token; it lives in its task's workspace only (another workspace's endpoint answers it
// as unknown and cannot add one); it is deleted with its task (retention).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startA2AServer } from "@molecule-ai/agent-core/a2a";
import { rpc, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { userMessage } from "./tasks-replicas.js";

const pg = usePostgres({ pool: true });

async function webhook(): Promise<{
  url: string;
  got: IncomingMessage[];
  bodies: unknown[];
  close(): Promise<void>;
}> {
  const got: IncomingMessage[] = [];
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      got.push(req);
      bodies.push(JSON.parse(text));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    bodies,
    close: async () => await new Promise<void>((r) => server.close(() => r())),
  };
}

describe("push notification configs on the PostgreSQL task store", () => {
  it("are shared by replicas, notified by the replica running the task, scoped to its workspace", async () => {
    const stores = [0, 1, 2].map(() => createPostgresStore({ connectionString: pg.dbUrl }));
    const hook = await webhook();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const servers = await Promise.all(
      stores.map(
        async (s, i) =>
          await startA2AServer({
            agentCard: { name: "report" },
            workspaceId: i < 2 ? "ws-a" : "ws-b",
            taskStore: s.tasks,
            pushNotifications: { allowAddresses: "private" },
            onMessage: async () => {
              await released;
              return "ready";
            },
          }),
      ),
    );
    const [runner, other, stranger] = servers.map((s) => s.url) as [string, string, string];
    try {
      const sent = await rpc(runner, "message/send", {
        message: userMessage("report"),
        configuration: { blocking: false },
      });
      const taskId = sent.result!.id!;
      // Set on the other replica of the workspace, read back on the one running the task.
      const set = await rpc(other, "tasks/pushNotificationConfig/set", {
        taskId,
        pushNotificationConfig: { id: "h", url: hook.url, token: "tok" },
      });
      expect(set.error).toBeUndefined();
      const listed = await rpc(runner, "tasks/pushNotificationConfig/list", { id: taskId });
      // Read back, the token is never shown (it goes to the webhook only).
      expect(listed.result).toEqual([
        { taskId, pushNotificationConfig: { id: "h", url: hook.url } },
      ]);
      // Another workspace on the same database sees neither the task nor its webhook.
      const peek = await rpc(stranger, "tasks/pushNotificationConfig/get", {
        id: taskId,
        pushNotificationConfigId: "h",
      });
      expect(peek.error?.code).toBe(-32001);
      const plant = await rpc(stranger, "tasks/pushNotificationConfig/set", {
        taskId,
        pushNotificationConfig: { id: "evil", url: hook.url },
      });
      expect(plant.error?.code).toBe(-32001);
      release();
      await waitFor(() =>
        hook.bodies.some(
          (b) => (b as { status?: { state?: string } }).status?.state === "completed",
        ),
      );
      expect(hook.got.every((r) => r.headers["x-a2a-notification-token"] === "tok")).toBe(true);
      const { rows } = await pg.db.query("SELECT config_id FROM molecule_a2a_push_configs");
      expect(rows).toEqual([{ config_id: "h" }]);
      // Retention deletes the task, and its webhooks with it.
      await pg.db.query("UPDATE molecule_a2a_tasks SET updated_at = now() - interval '400 days'");
      await stores[0]!.cleanup();
      expect((await pg.db.query("SELECT * FROM molecule_a2a_push_configs")).rows).toEqual([]);
    } finally {
      release();
      for (const s of servers) await s.close();
      for (const s of stores) await s.close();
      await hook.close();
    }
  });
});
