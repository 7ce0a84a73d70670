// The emulator's canvas page under load: 200 workspaces heartbeating as fast as the emulator
// takes them while 100 A2A messages a second flow between them, with the page open in a real
// headless Chromium. Measures (a) events to screen: from sending a message to its row appearing
// in the page's traffic list, and (b) the emulator's heartbeat throughput with the canvas on and
// the page open versus the same emulator with `--no-ui`, in rotated rounds.
//
//   ./dev bench canvas   (or: node bench/src/canvas.ts --seconds 5 --rounds 3)
// 15 rounds by default: on a shared 2-core machine one round's ratio ranges 0.45x-1.4x (the
// machine's own speed swings between rounds), so a median of 5 moved by 0.1x from run to run.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { Pool } from "undici";
import { spawnEmulator, type EmulatorProcess } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    rounds: { type: "string", default: "15" },
    workspaces: { type: "string", default: "200" },
    rate: { type: "string", default: "100" },
    connections: { type: "string", default: "32" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const workspaceCount = Number(values.workspaces);
const rate = Number(values.rate);
const connections = Number(values.connections);

const chromiumPath = [
  process.env["MOLECULE_CHROMIUM"],
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].find((p) => p !== undefined && p !== "" && existsSync(p));
if (chromiumPath === undefined) {
  console.error(
    "canvas benchmark: no Chromium (install Debian's chromium package, or set MOLECULE_CHROMIUM)",
  );
  process.exit(1);
}

/**
 * CPU seconds used so far by this process's Chromium descendants, by process type (the renderer,
 * the GPU process with its display compositor, the browser process, utilities); Linux /proc,
 * empty elsewhere.
 */
function chromiumCpuSeconds(): Record<string, number> {
  const total: Record<string, number> = {};
  const walk = (pid: number): void => {
    let children: string[] = [];
    try {
      for (const t of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/))
        if (t !== "") children.push(t);
    } catch {
      children = [];
    }
    for (const c of children) {
      try {
        const stat = readFileSync(`/proc/${c}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (/chrom/i.test(stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")))) {
          // Chromium rewrites its children's titles: their arguments are separated by spaces.
          const args = readFileSync(`/proc/${c}/cmdline`, "utf8").split(/[\0 ]/);
          const type = args.find((a) => a.startsWith("--type="))?.slice(7) ?? "browser";
          // utime + stime, in ticks of 10 ms
          total[type] = (total[type] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
        }
      } catch {
        // gone
      }
      walk(Number(c));
    }
  };
  walk(process.pid);
  return total;
}

interface Side {
  emu: EmulatorProcess;
  pool: Pool;
  ws: { id: string; auth: string }[];
}

async function post(
  pool: Pool,
  path: string,
  body: unknown,
  auth: string,
  extra: Record<string, string> = {},
) {
  const r = await pool.request({
    method: "POST",
    path,
    headers: { "content-type": "application/json", authorization: auth, ...extra },
    body: JSON.stringify(body),
  });
  const text = await r.body.text();
  return {
    status: r.statusCode,
    json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function startSide(args: string[]): Promise<Side> {
  const emu = await spawnEmulator(args);
  const pool = new Pool(emu.url, { connections: connections + 8, pipelining: 1 });
  const ws: Side["ws"] = [];
  for (let i = 0; i < workspaceCount; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, workspaceCount - i) }, async (_, k) => {
        const name = `agent-${String(i + k).padStart(3, "0")}`;
        const c = await post(
          pool,
          "/workspaces",
          { name, runtime: "external" },
          `Bearer ${emu.adminToken}`,
        );
        const conn = c.json?.["connection"] as { auth_token: string };
        const id = String(c.json?.["id"]);
        const auth = `Bearer ${conn.auth_token}`;
        const reg = await post(
          pool,
          "/registry/register",
          { id, delivery_mode: "poll", agent_card: { name } },
          auth,
        );
        if (reg.status !== 200) throw new Error(`register failed: ${reg.status}`);
        return { id, auth };
      }),
    );
    ws.push(...batch);
  }
  return { emu, pool, ws };
}

/** Heartbeats from `connections` loops and `rate` messages/s for `seconds`; returns what happened. */
async function load(side: Side): Promise<{
  heartbeatRps: number;
  failed: number;
  sent: Map<string, number>;
  targets: Set<Side["ws"][number]>;
}> {
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const beat = async () => {
    while (performance.now() < deadline) {
      const w = side.ws[next++ % side.ws.length]!;
      const r = await side.pool.request({
        method: "POST",
        path: "/registry/heartbeat",
        headers: { "content-type": "application/json", authorization: w.auth },
        body: `{"workspace_id":"${w.id}","active_tasks":0,"uptime_seconds":1,"error_rate":0,"current_task":""}`,
      });
      await r.body.dump();
      if (r.statusCode === 200) ok++;
      else failed++;
    }
  };
  // Messages: `rate` per second, paced against the clock (a late tick sends what is owed).
  const sent = new Map<string, number>();
  const targets = new Set<Side["ws"][number]>();
  let count = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const messages = (async () => {
    while (performance.now() < deadline) {
      const owed = Math.floor(((performance.now() - start) / 1000) * rate) - count;
      for (let k = 0; k < owed; k++) {
        const from = side.ws[count % side.ws.length]!;
        const to = side.ws[(count + 1) % side.ws.length]!;
        count++;
        const at = Date.now();
        const messageId = crypto.randomUUID();
        targets.add(to);
        inflight.push(
          post(
            side.pool,
            `/workspaces/${to.id}/a2a`,
            {
              jsonrpc: "2.0",
              id: String(count),
              method: "message/send",
              params: {
                message: {
                  role: "user",
                  messageId,
                  parts: [{ kind: "text", text: `load ${count}` }],
                },
              },
            },
            from.auth,
            { "x-workspace-id": from.id },
          ).then((r) => {
            // 200 `queued` for a poll workspace (the platform's answer since August 2026), 202
            // for one whose push was queued.
            if (r.status === 200 || r.status === 202) sent.set(messageId, at);
            else failed++;
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const t0 = performance.now();
  await Promise.all([messages, ...Array.from({ length: connections }, beat)]);
  await Promise.all(inflight);
  return { heartbeatRps: ok / ((performance.now() - t0) / 1000), failed, sent, targets };
}

/**
 * When each message of `sent` (by messageId) was sent, by its activity row's id (the page's
 * traffic rows carry the row's id): read from the receivers' activity logs.
 */
async function rowsOf(
  side: Side,
  sent: Map<string, number>,
  targets: Set<Side["ws"][number]>,
): Promise<Map<string, number>> {
  const rows = new Map<string, number>();
  for (const w of targets) {
    const r = await side.pool.request({
      method: "GET",
      path: `/workspaces/${w.id}/activity?type=a2a_receive&limit=500`,
      headers: { authorization: w.auth },
    });
    const list = (await r.body.json()) as Array<Record<string, unknown>>;
    for (const row of Array.isArray(list) ? list : []) {
      const body = row["request_body"] as { params?: { message?: { messageId?: unknown } } };
      const at = sent.get(String(body?.params?.message?.messageId));
      if (at !== undefined) rows.set(String(row["id"]), at);
    }
  }
  return rows;
}

async function openPage(browser: Browser, side: Side): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${side.emu.url}/canvas/`);
  await page.getByLabel("Admin token").fill(side.emu.adminToken);
  await page.getByRole("button", { name: "Open the canvas" }).click();
  await page.waitForFunction(
    (n) => document.querySelectorAll(".card").length >= n,
    workspaceCount,
    { timeout: 30_000 },
  );
  // Records when each traffic row enters the DOM (wall clock, the same clock as the sender's).
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { moleculeSeen: Record<string, number> }).moleculeSeen = seen;
    new MutationObserver((records) => {
      const at = Date.now();
      for (const r of records)
        for (const n of r.addedNodes) {
          if (!(n instanceof HTMLElement)) continue;
          const rows =
            n.dataset["traffic"] !== undefined
              ? [n]
              : [...n.querySelectorAll<HTMLElement>("[data-traffic]")];
          for (const el of rows) seen[el.dataset["traffic"]!] ??= at;
        }
    }).observe(document.body, { childList: true, subtree: true });
  });
  return page;
}

const on = await startSide([]);
const off = await startSide(["--no-ui"]);
// A third emulator with the canvas on whose feed a plain Node client reads (no browser): shows
// how much of the difference is the emulator's feed and how much the browser's CPU.
const feedOnly = await startSide([]);
const feedReader = new AbortController();
const feedDone = fetch(`${feedOnly.emu.url}/canvas/api/events`, {
  headers: { authorization: `Bearer ${feedOnly.emu.adminToken}` },
  signal: feedReader.signal,
})
  .then(async (r) => {
    for await (const _ of r.body!) {
      // read and drop
    }
  })
  .catch(() => undefined);
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
try {
  const page = await openPage(browser, on);
  // The page's main-thread work during the ui-on rounds (Chrome DevTools Protocol metrics).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async (): Promise<Record<string, number>> => {
    const { metrics: list } = await cdp.send("Performance.getMetrics");
    return Object.fromEntries(list.map((m) => [m.name, m.value]));
  };
  const busy = { task: 0, script: 0, layout: 0, style: 0, wall: 0 };
  /** Chromium CPU seconds during the ui-on rounds, by process type. */
  const chromiumCpu: Record<string, number> = {};
  const latencies: number[] = [];
  let notShown = 0;
  let failed = 0;
  const rps = await runRounds(["ui-on", "ui-off", "feed-only"] as const, rounds, async (name) => {
    const before = name === "ui-on" ? await metrics() : undefined;
    const cpu0 = chromiumCpuSeconds();
    const wall0 = performance.now();
    const r = await load(name === "ui-on" ? on : name === "ui-off" ? off : feedOnly);
    if (before !== undefined) {
      const after = await metrics();
      const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      busy.task += d("TaskDuration");
      busy.script += d("ScriptDuration");
      busy.layout += d("LayoutDuration");
      busy.style += d("RecalcStyleDuration");
      busy.wall += (performance.now() - wall0) / 1000;
      for (const [type, s] of Object.entries(chromiumCpuSeconds()))
        chromiumCpu[type] = (chromiumCpu[type] ?? 0) + s - (cpu0[type] ?? 0);
    }
    failed += r.failed;
    if (name === "ui-on") {
      // Give the last messages their chance to appear (2 s at most), then read what the page saw.
      const rows = await rowsOf(on, r.sent, r.targets);
      notShown += r.sent.size - rows.size; // sent, but no row in the activity log
      const ids = [...rows.keys()];
      await page
        .waitForFunction(
          (want) => {
            const seen = (window as unknown as { moleculeSeen: Record<string, number> })
              .moleculeSeen;
            return want.every((id) => seen[id] !== undefined);
          },
          ids,
          { timeout: 2_000, polling: 100 },
        )
        .catch(() => undefined);
      const seen = await page.evaluate(
        () => (window as unknown as { moleculeSeen: Record<string, number> }).moleculeSeen,
      );
      for (const [id, at] of rows) {
        const s = seen[id];
        if (s === undefined) notShown++;
        else latencies.push(s - at);
      }
    }
    console.log(`${name}: ${Math.round(r.heartbeatRps)} heartbeats/s, ${r.sent.size} messages`);
    return r.heartbeatRps;
  });
  const shown = latencies.length;
  const pct = (x: number) => `${((100 * x) / busy.wall).toFixed(1)} %`;
  const chromiumTotal = Object.values(chromiumCpu).reduce((a, b) => a + b, 0);
  const byType = Object.entries(chromiumCpu)
    .filter(([, s]) => s >= 0.005 * busy.wall)
    .sort((a, b) => b[1] - a[1])
    .map(([type, s]) => `${type} ${pct(s)}`)
    .join(", ");
  await writeResult({
    name: "canvas",
    description: `${workspaceCount} workspaces heartbeating over ${connections} connections while ${rate} A2A messages/s flow between them, ${seconds} s per side per round, against \`@molecule-ai/platform-emulator\` in child processes: with the canvas on and its page open in headless Chromium (Debian's chromium, playwright-core), and with \`--no-ui\`.`,
    rounds,
    figures: [
      {
        figure: "events to screen p95 (message sent -> its row in the page's traffic list)",
        ours: "canvas page (feed frames every 200 ms, each rendered as it arrives; arcs, conversation and trace at most every 500 ms)",
        peer: "none",
        unit: "ms",
        oursValue: percentile(latencies, 95),
        target: { on: "ours", op: "<=", value: 250 },
      },
      {
        figure: "events to screen p50",
        ours: "canvas page",
        peer: "none",
        unit: "ms",
        oursValue: percentile(latencies, 50),
      },
      {
        figure: "messages not shown within 2 s",
        ours: "canvas page",
        peer: "none",
        unit: "messages",
        oursValue: notShown,
        target: { on: "ours", op: "<=", value: 0 },
      },
      {
        figure: "heartbeat req/s with 100 messages/s",
        ours: "emulator with the canvas on and its page open",
        peer: "the same emulator with --no-ui (no page)",
        unit: "req/s",
        oursValue: median(rps["ui-on"]),
        peerValue: median(rps["ui-off"]),
        ratio: pairedRatios(rps["ui-on"], rps["ui-off"]),
        target: { on: "ratio", op: ">=", value: 0.9 },
      },
      {
        figure: "heartbeat req/s with 100 messages/s, feed read by a Node client (no browser)",
        ours: "emulator with the canvas on, its feed read by a plain Node client",
        peer: "the same emulator with --no-ui",
        unit: "req/s",
        oursValue: median(rps["feed-only"]),
        peerValue: median(rps["ui-off"]),
        ratio: pairedRatios(rps["feed-only"], rps["ui-off"]),
      },
      {
        figure: "page main thread busy, % of one core (script / layout / style)",
        ours: `canvas page in headless Chromium: ${pct(busy.script)} / ${pct(busy.layout)} / ${pct(busy.style)}`,
        peer: "none",
        unit: "%",
        oursValue: (100 * busy.task) / busy.wall,
      },
      {
        figure: "Chromium CPU, all its processes, % of one core",
        ours: `canvas page in headless Chromium, by process: ${byType}`,
        peer: "none",
        unit: "%",
        oursValue: (100 * chromiumTotal) / busy.wall,
      },
      {
        figure: "failed requests",
        ours: "both emulators",
        peer: "none",
        unit: "requests",
        oursValue: failed,
        target: { on: "ours", op: "<=", value: 0 },
      },
    ],
    notes: [
      `${shown} messages were timed on the page. "To screen" is when the row enters the DOM (a MutationObserver in the page); the browser paints it at its next frame.`,
      "The load generator, both emulators and Chromium share the machine's cores: the page's rendering competes with the emulator it measures.",
    ],
  });
} finally {
  await browser.close();
  feedReader.abort();
  await feedDone;
  for (const s of [on, off, feedOnly]) {
    await s.pool.close();
    s.emu.child.kill("SIGTERM");
    await new Promise((r) => s.emu.child.once("exit", r));
  }
}
