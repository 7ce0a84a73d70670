// Issue #86 measurement (`./dev node bench/scripts/issue86-settle-cost.mjs`, after a build): what
// the poll loop's settle window costs in requests. One default poll agent (event wake-ups on) with
// the emulator, for each `pollSettleMs` in SETTLE (default "0,5000": 0 is a plain cursor, as before
// the settle window): IDLE_S seconds idle (default 120), then ROUNDS rounds (default 20) of BURST
// messages sent at once (default 10) from one sender, each round handled before the next, then
// IDLE_AFTER_S seconds idle again (default 70: the audit's minute). Prints the requests the agent
// made, by kind, per minute idle and per message in the bursts, and the activity rows it read.
// The emulator counts them: a fault whose path matcher counts every request and never matches.
import { resolve, join } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(process.argv[2] ?? ".");
const SETTLE = (process.env.SETTLE ?? "0,5000").split(",").map(Number);
const IDLE_S = Number(process.env.IDLE_S ?? 120);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const BURST = Number(process.env.BURST ?? 10);
const IDLE_AFTER_S = Number(process.env.IDLE_AFTER_S ?? 70);

const load = (path) => import(pathToFileURL(join(root, path)).href);
const { PlatformClient, RemoteAgent, memoryStore } = await load("packages/core/dist/index.js");
const { startEmulator } = await load("packages/platform-emulator/dist/index.js");

/** Counts the requests whose path names `workspaceId`, by kind; never matches (no fault). */
class Counter extends RegExp {
  counts = new Map();
  on = true;
  constructor(workspaceId) {
    super(workspaceId);
    this.id = workspaceId;
  }
  test(path) {
    if (this.on && path.includes(this.id)) {
      const kind = /\/activity/.test(path)
        ? "activity"
        : /heartbeat/.test(path)
          ? "heartbeat"
          : /events/.test(path)
            ? "events"
            : path.replace(/[0-9a-f-]{36}/g, ":id").split("?")[0];
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    }
    return false;
  }
  take() {
    const out = Object.fromEntries(this.counts);
    this.counts = new Map();
    return out;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const per = (counts, n) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number((v / n).toFixed(3))]));
const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);

const results = [];
for (const settle of SETTLE) {
  const emu = await startEmulator();
  const w = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
  const s = await emu.admin.createWorkspace({ name: "sender" });
  const counter = new Counter(w.id);
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"])
    emu.injectFault({ method, path: counter, status: 599, body: {} });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token });
  const sender = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token });
  let handled = 0;
  const agent = new RemoteAgent({
    client,
    store: memoryStore(),
    logger: {},
    pollSettleMs: settle,
    handler: () => void handled++,
  });
  await agent.start();
  await sleep(10_000); // start-up done
  counter.take();
  await sleep(IDLE_S * 1000);
  const idle = counter.take();
  for (let r = 0; r < ROUNDS; r++) {
    const before = handled;
    await Promise.all(Array.from({ length: BURST }, (_, i) => sender.callPeer(w.id, `m${r}-${i}`)));
    const until = before + BURST;
    for (;;) {
      if (handled >= until) break;
      await sleep(20);
    }
  }
  const burst = counter.take();
  await sleep(IDLE_AFTER_S * 1000);
  const after = counter.take();
  await agent.stop();
  await client.close();
  await sender.close();
  await emu.close();
  const r = {
    pollSettleMs: settle,
    idlePerMinute: per(idle, IDLE_S / 60),
    idleTotalPerMinute: Number((total(idle) / (IDLE_S / 60)).toFixed(2)),
    burstPerMessage: per(burst, ROUNDS * BURST),
    afterBurstsPerMinute: per(after, IDLE_AFTER_S / 60),
    handled,
  };
  results.push(r);
  console.error(JSON.stringify(r));
}
console.log(JSON.stringify(results, null, 2));
