// The PostgreSQL store (argv[2]: its connection string): two replicas of one poll agent share it and a
// backlog of six messages is handled, each message once across them.
import { createPostgresStore } from "@molecule-ai/postgres";
import { agentOf, deadline, done, PlatformClient, startEmulator } from "./lib.mjs";

deadline(45_000);
const connectionString = process.argv[2];
if (!connectionString) throw new Error("pass the connection string");
const emu = await startEmulator();
const senderWs = await emu.admin.createWorkspace({ name: "Sender" });
const bobWs = await emu.admin.createWorkspace({ name: "Bob" });
const sender = new PlatformClient({
  platformUrl: emu.url,
  workspaceId: senderWs.id,
  token: senderWs.token,
});
await sender.register({ agentCard: { name: "Sender" }, deliveryMode: "poll" });
const bobRegister = new PlatformClient({
  platformUrl: emu.url,
  workspaceId: bobWs.id,
  token: bobWs.token,
});
await bobRegister.register({ agentCard: { name: "Bob" }, deliveryMode: "poll" });
await bobRegister.close();
for (let n = 1; n <= 6; n++) await sender.callPeer(bobWs.id, `m${n}`);
const seen = [];
let all;
const handled = new Promise((resolve) => (all = resolve));
const handler = (msg) => {
  seen.push(msg.text);
  if (seen.length === 6) all();
};
const stores = [
  createPostgresStore({ connectionString }),
  createPostgresStore({ connectionString }),
];
const replicas = [];
for (const store of stores)
  replicas.push(await agentOf(emu.url, bobWs, "poll", handler, { store }));
await handled;
for (const r of replicas) await r.stop();
for (const s of stores) await s.close?.();
await sender.close();
await emu.close();
done({ handled: seen.sort() });
