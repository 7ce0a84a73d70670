// A restart: an agent with a file store handles a message, stops, and on its next start handles
// only what arrived while it was away (nothing twice).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "@molecule-ai/agent-core";
import { agentOf, deadline, done, startEmulator } from "./lib.mjs";

deadline();
const dir = mkdtempSync(join(tmpdir(), "molecule-restart-"));
const emu = await startEmulator();
const aliceWs = await emu.admin.createWorkspace({ name: "Alice" });
const bobWs = await emu.admin.createWorkspace({ name: "Bob" });
const seen = [];
const handler = (msg) => {
  seen.push(msg.text);
  return `ok: ${msg.text}`;
};
const alice = await agentOf(emu.url, aliceWs, "poll", () => undefined);
let bob = await agentOf(emu.url, bobWs, "poll", handler, { store: fileStore(join(dir, "bob")) });
const first = await alice.agent.callPeer(bobWs.id, "before restart", { timeoutMs: 20_000 });
await bob.stop();
const queued = await alice.agent.callPeer(bobWs.id, "while away", { awaitReply: false });
bob = await agentOf(emu.url, bobWs, "poll", handler, { store: fileStore(join(dir, "bob")) });
const second = await alice.agent.callPeer(bobWs.id, "after restart", { timeoutMs: 20_000 });
await bob.stop();
await alice.stop();
await emu.close();
rmSync(dir, { recursive: true, force: true });
done({ answers: [first.text, second.text], queued: queued.status, handled: seen });
