// A backlog on first start: messages queued for a poll workspace before its agent ever ran are
// all handled once it starts, each once.
import { agentOf, deadline, done, PlatformClient, startEmulator } from "./lib.mjs";

deadline();
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
for (const n of [1, 2, 3]) {
  const r = await sender.callPeer(bobWs.id, `backlog ${n}`);
  if (r.status !== "queued") throw new Error(`expected a queued receipt, got ${r.status}`);
}
const seen = [];
let all;
const handled = new Promise((resolve) => (all = resolve));
const bob = await agentOf(emu.url, bobWs, "poll", (msg) => {
  seen.push(msg.text);
  if (seen.length === 3) all();
});
await handled;
await bob.stop();
await sender.close();
await emu.close();
done({ handled: seen.sort() });
