// Issue #77 measurements (`./dev node --expose-gc bench/scripts/issue77-outbox-outage.mjs`, after a
// build): how much the reply outbox holds and what it costs, and that its answers outlive a
// platform outage of minutes. A default poll agent (file store) answers N questions of an asker
// while the platform refuses every reply (503, a transient failure: the outbox keeps them), so the
// outbox fills: its heap growth and its file on disk are measured. Then the platform goes away for
// OUTAGE_S seconds (every connection refused: a restart or an outage), comes back, and the time to
// deliver every kept answer is measured, with the dead letters (expected: none).
// Knobs: N (default 2000), OUTAGE_S (default 180), ANSWER_BYTES (default 1024).
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent, fileStore } from "@molecule-ai/agent-core";

const N = Number(process.env.N ?? 2000);
const OUTAGE_S = Number(process.env.OUTAGE_S ?? 180);
const ANSWER_BYTES = Number(process.env.ANSWER_BYTES ?? 1024);
const mib = (n) => (n / 1048576).toFixed(2);
const heap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
const until = async (cond, what, ms = 600_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
async function sizeOf(dir) {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

const dir = await mkdtemp(join(tmpdir(), "issue77-"));
const emu = await startEmulator();
const made = async (name) => {
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
};
const b = await made("answerer");
const a = await made("asker");
const asker = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token });
const clientB = new PlatformClient({ platformUrl: emu.url, workspaceId: b.id, token: b.token });
const answered = () => {
  let n = 0;
  for (const r of emu.activity(a.id)) {
    const m = r.request_body?.params?.message;
    if (m?.role === "agent" && typeof m.metadata?.molecule_in_reply_to === "string") n++;
  }
  return n;
};

// Every reply refused (transient): the answers stay in the outbox.
const unfault = emu.injectFault({
  method: "POST",
  path: `/workspaces/${a.id}/a2a`,
  status: 503,
  count: 1e9,
});
const letters = [];
let handled = 0;
const agent = new RemoteAgent({
  client: clientB,
  store: fileStore(join(dir, "state")),
  logger: {},
  onDeadLetter: (_m, e) => void letters.push(e),
  handler: (m) => {
    handled++;
    return `${m.text}: ${"x".repeat(ANSWER_BYTES)}`;
  },
});
const heap0 = heap();
await agent.start();
for (let i = 0; i < N; i++) await asker.callPeer(b.id, `q${i}`);
await until(() => handled === N && agent.pendingReplies === N, "a full outbox");
const heap1 = heap();
const disk = await sizeOf(dir);
console.log(
  `outbox: ${N} answers of ${ANSWER_BYTES} B kept: heap +${mib(heap1 - heap0)} MiB ` +
    `(${((heap1 - heap0) / N / 1024).toFixed(2)} KiB per answer, the handling included), ` +
    `store on disk ${mib(disk)} MiB (${(disk / N / 1024).toFixed(2)} KiB per answer)`,
);

await emu.stopListening();
console.log(`platform down for ${OUTAGE_S} s ...`);
await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
unfault();
await emu.listenAgain();
const back = performance.now();
await until(() => answered() >= N, "every answer delivered");
const drained = (performance.now() - back) / 1000;
console.log(
  `after ${OUTAGE_S} s down: ${answered()}/${N} delivered ` +
    `${drained.toFixed(1)} s after the platform came back; dead letters: ${letters.length}; ` +
    `still in the outbox: ${agent.pendingReplies}`,
);
await agent.stop();
await asker.close();
await clientB.close();
await emu.close();
await rm(dir, { recursive: true, force: true });
