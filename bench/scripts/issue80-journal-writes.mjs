// Issue #80 measurement (`./dev node bench/scripts/issue80-journal-writes.mjs [<checkout>]`, after a
// build): two default poll agents in one process with the emulator, an asker and an answerer, each
// with the default file store, 100 concurrent `callPeer` conversations a round; after 5 warm-up
// rounds, ROUNDS (default 40) rounds are counted. Prints the state journal's writes per answer by
// agent (each a `writeFileSync` on an open descriptor: a journal line, or a sidecar's) and the
// process's CPU per answer (both agents and the emulator). `<checkout>`: another build's root (e.g.
// one of `.bench-base/<sha>`, which `./dev bench --base` prepares) to compare against the same
// script.
import fs, { mkdtempSync, readlinkSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROUNDS = Number(process.env.ROUNDS ?? 40);
const root = resolve(process.argv[2] ?? ".");
process.env.MOLECULE_STATE_DIR = mkdtempSync(join(tmpdir(), "issue80-"));

// Counted from the first measured round: writes on descriptors, by the agent's state folder.
let counting = false;
const writes = new Map();
const writeFileSync = fs.writeFileSync;
fs.writeFileSync = function (target, ...rest) {
  if (counting && typeof target === "number") {
    let folder = "?";
    try {
      folder = readlinkSync(`/proc/self/fd/${target}`).split("/").at(-2) ?? "?";
    } catch {}
    writes.set(folder, (writes.get(folder) ?? 0) + 1);
  }
  return writeFileSync.call(this, target, ...rest);
};
syncBuiltinESMExports(); // before the SDK is imported: its `node:fs` imports see the counter

const load = (path) => import(pathToFileURL(join(root, path)).href);
const { PlatformClient, RemoteAgent } = await load("packages/core/dist/index.js");
const { startEmulator } = await load("packages/platform-emulator/dist/index.js");
const emu = await startEmulator();
const agentOf = async (name, handler) => {
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token });
  const agent = new RemoteAgent({ client, handler, logger: {} });
  await agent.start();
  return { id: w.id, client, agent };
};
const answerer = await agentOf("answerer", (m) => `answer:${m.text}`);
const asker = await agentOf("asker", () => undefined);
const round = (r) =>
  Promise.all(
    Array.from({ length: 100 }, (_, i) => asker.agent.callPeer(answerer.id, `q${r}-${i}`)),
  );
for (let r = 0; r < 5; r++) await round(r);
await answerer.agent.flushReplies(5_000);
counting = true;
const cpu = process.cpuUsage();
for (let r = 0; r < ROUNDS; r++) await round(r);
const used = process.cpuUsage(cpu);
counting = false;
const answers = ROUNDS * 100;
const per = (folder) => ((writes.get(folder) ?? 0) / answers).toFixed(3);
console.log(
  `journal writes per answer: answerer ${per(answerer.id)}, asker ${per(asker.id)}; ` +
    `CPU per answer (both agents and the emulator, one process): ${((used.user + used.system) / 1000 / answers).toFixed(3)} ms`,
);
for (const a of [asker, answerer]) {
  await a.agent.stop();
  await a.client.close();
}
await emu.close();
