// Two default RemoteAgents talk through the emulator: Alice asks Bob, who receives by `poll` or
// `push` (argv[2]); Alice's callPeer returns Bob's answer either way.
import { agentOf, deadline, done, startEmulator } from "./lib.mjs";

deadline();
const delivery = process.argv[2] ?? "poll";
const emu = await startEmulator();
const aliceWs = await emu.admin.createWorkspace({ name: "Alice" });
const bobWs = await emu.admin.createWorkspace({ name: "Bob" });
const bob = await agentOf(emu.url, bobWs, delivery, (msg) => `pong: ${msg.text}`);
const alice = await agentOf(emu.url, aliceWs, "poll", () => undefined);
const answers = [];
for (const text of ["ping 1", "ping 2"]) {
  const r = await alice.agent.callPeer(bobWs.id, text, { timeoutMs: 20_000 });
  answers.push(r.text);
}
await alice.stop();
await bob.stop();
await emu.close();
done({ delivery: bob.agent.delivery, answers });
