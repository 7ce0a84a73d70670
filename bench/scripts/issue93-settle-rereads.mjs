// Issue #93 measurement (`./dev node bench/scripts/issue93-settle-rereads.mjs [ROOT]`, after a
// build; ROOT: a checkout with built packages, e.g. .bench-base/<sha> for the commit before): the
// activity reads (GET /workspaces/:id/activity) and rows an asking and an answering poll agent make
// per delivered message, counted on their clients' fetchActivityRows (independent of the machine's
// load). MODE=steady: N questions (default 100) one at a time, PACE_MS apart (default 0);
// MODE=burst: N at once; MODE=rounds: ROUNDS (default 20) rounds of N at once, back to back.
// LATE=1: the emulator commits rows late (20 ms at most, 3 rows in 10). Then TAIL_MS (default
// 12,000) idle, for the settle window's passes after traffic. Prints one JSON line.
import { resolve, join } from "node:path";
import { pathToFileURL } from "node:url";
const root = resolve(process.argv[2] ?? ".");
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { startEmulator } = await load("packages/platform-emulator/dist/index.js");
const { PlatformClient, RemoteAgent, memoryStore } = await load("packages/core/dist/index.js");
const N = Number(process.env.N ?? 100);
const late = process.env.LATE === "1";
const emu = await startEmulator({
  compat: process.env.COMPAT ?? "latest",
  ...(late ? { lateCommits: { maxDelayMs: 20, probability: 0.3, seed: 86 } } : {}),
});
const quiet = { info() {}, debug() {}, warn() {} };
async function ws(name) {
  const w = await emu.admin.createWorkspace({ name });
  return new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token });
}
const stat = new Map();
function counted(c, who) {
  const s = { reads: 0, rows: 0 };
  stat.set(who, s);
  const f = c.fetchActivityRows.bind(c);
  c.fetchActivityRows = async (o) => {
    s.reads++;
    const r = await f(o);
    s.rows += (r.rows ?? []).length;
    return r;
  };
  return c;
}
const askerC = counted(await ws("asker"), "asker");
const answC = counted(await ws("answerer"), "answerer");
const answering = new RemoteAgent({
  client: answC,
  handler: (m) => `re: ${m.text}`,
  store: memoryStore(),
  logger: quiet,
});
const asking = new RemoteAgent({
  client: askerC,
  handler: () => undefined,
  store: memoryStore(),
  logger: quiet,
});
await answering.start();
await asking.start();
const reset = () => {
  for (const s of stat.values()) {
    s.reads = 0;
    s.rows = 0;
  }
};
const snap = () =>
  Object.fromEntries(
    [...stat].map(([k, v]) => [
      k,
      {
        ...v,
        readsPerMsg: +(v.reads / (v.messages ?? N)).toFixed(3),
        rowsPerMsg: +(v.rows / (v.messages ?? N)).toFixed(2),
      },
    ]),
  );
const t0 = performance.now();
const cpu0 = process.cpuUsage();
reset();
const mode = process.env.MODE ?? "steady";
if (mode === "steady") {
  for (let i = 0; i < N; i++) {
    const r = await asking.callPeer(answC.workspaceId, `q${i}`, { timeoutMs: 30_000 });
    if (!("text" in r) || r.text !== `re: q${i}`)
      throw new Error(`bad answer ${JSON.stringify(r)}`);
    if (process.env.PACE_MS)
      await new Promise((res) => setTimeout(res, Number(process.env.PACE_MS)));
  }
} else if (mode === "rounds") {
  // ROUNDS rounds of N at once, back to back (as conversation-load's warm rounds); per message.
  const rounds = Number(process.env.ROUNDS ?? 20);
  for (let k = 0; k < rounds; k++) {
    const rs = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        asking.callPeer(answC.workspaceId, `q${k}/${i}`, { timeoutMs: 60_000 }),
      ),
    );
    rs.forEach((r, i) => {
      if (!("text" in r) || r.text !== `re: q${k}/${i}`) throw new Error("bad");
    });
  }
  for (const s of stat.values()) s.messages = rounds * N;
} else {
  const rs = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      asking.callPeer(answC.workspaceId, `q${i}`, { timeoutMs: 60_000 }),
    ),
  );
  rs.forEach((r, i) => {
    if (!("text" in r) || r.text !== `re: q${i}`) throw new Error("bad");
  });
}
const during = snap();
const ms = performance.now() - t0;
// the settle window's trailing passes after traffic (and an audit): wait 12 s
await new Promise((r) => setTimeout(r, Number(process.env.TAIL_MS ?? 12000)));
const after = snap();
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    root,
    mode,
    N,
    late,
    ms: Math.round(ms),
    during,
    withTail: after,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }),
);
await answering.stop();
await asking.stop();
await askerC.close();
await answC.close();
await emu.close();
