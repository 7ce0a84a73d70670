// A messageId marks a resend only within its sender, on the replicas' shared poll too: another
// workspace reusing an id has its own message handled (the work queue keys a message by its
// platform-authenticated sender and its messageId), and the first sender's resend is not.
import { expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

// The 2026-05 contract stores every sender's row; the August-2026 server keeps one row per
// (workspace, message_id) whoever sent it (activity.go 1134-1160 at enteros-core aeec8e47).
const pg = usePostgres({ emulator: { compat: "2026-05" } });

it("shared poll: another sender reusing a messageId is handled; the same sender's resend is not", async () => {
  const ws = await pg.emu.admin.createWorkspace({ name: "senders-agent", deliveryMode: "poll" });
  const client = new PlatformClient({
    platformUrl: pg.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  const store = createPostgresStore({ connectionString: pg.dbUrl });
  const handled: Array<[string | null, string]> = [];
  const agent = new RemoteAgent({
    client,
    store,
    logger: {},
    concurrency: 1,
    handler: (m) => void handled.push([m.sourceId, m.text]),
  });
  try {
    await agent.start();
    const x = await pg.workspaceClient("senders-x");
    const y = await pg.workspaceClient("senders-y");
    await x.client.callPeer(ws.id, "from x", { messageId: "m-1" });
    await waitFor(() => handled.length === 1);
    await y.client.callPeer(ws.id, "from y", { messageId: "m-1" });
    await waitFor(() => handled.length === 2);
    await x.client.callPeer(ws.id, "x again", { messageId: "m-1" }); // X's resend
    await x.client.callPeer(ws.id, "x next", { messageId: "m-2" });
    await waitFor(() => handled.some(([, t]) => t === "x next"));
    expect(handled).toEqual([
      [x.id, "from x"],
      [y.id, "from y"],
      [x.id, "x next"],
    ]);
  } finally {
    await agent.stop();
    await store.close();
    await client.close();
  }
});
