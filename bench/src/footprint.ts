// footprint (issue 88): what one idle process weighs, three sides in one run, each in its own
// Node process, measured FOOTPRINT_AFTER_MS (20 s) after the process started:
//   bare    Node with nothing loaded;
//   a2a-js  the @a2a-js/sdk 1.3 JSON-RPC server on Express of push-servers.ts after one
//           `message/send` (sent from this process);
//   agent   the core README quickstart's agent (poll delivery, the default file store) against
//           the emulator (its own process), idle;
// plus the agent's time from its process's start to online: the end of its registration (the
// platform's first heartbeat for a poll agent), or of its first heartbeat. The sides run
// plain JavaScript (`node --input-type=module -e`), not a .ts file: Node's type stripper would add
// its own ~20 MiB to every side. With FOOTPRINT_BASE_DIR (a folder holding another build of
// core's `dist/`, e.g. a copy of packages/core/dist made before a change) a fourth side runs that
// build's agent: before/after in one run. Rounds rotate the order; the sides of a round run one
// after another (no CPU contention on the startup time).
// Target: the agent's RSS <= the a2a-js server's (paired per round).
// FOOTPRINT_NODE_ARGS="<flags>": Node flags for every side (what a V8 flag changes, e.g. whether
// undici's WASM parser is optimised: `--liftoff-only`).
// FOOTPRINT_SNAPSHOT_DIR=<dir>: each side also writes a V8 heap snapshot there after measuring.
// Run: ./dev bench footprint   (env: BENCH_ROUNDS, default 3; FOOTPRINT_AFTER_MS, default 20000)
import { spawn } from "node:child_process";
import { on } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { withoutSdkHook } from "./harness/ab.ts";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios } from "./harness/stats.ts";
import type { Figure } from "./harness/types.ts";

// Each side's code. `M` maps module names to file URLs resolved by this process (in the A/B mode,
// to the build under test), so the side needs no resolution hook of its own.
const SIDE_CODE = {
  bare: "",
  // push-servers.ts's serveA2AJs, in JavaScript.
  "a2a-js": `
    const { createServer } = await import("node:http");
    const { randomUUID } = await import("node:crypto");
    const express = (await import(M.express)).default;
    const { AgentCard, Role } = await import(M["@a2a-js/sdk"]);
    const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } = await import(M["@a2a-js/sdk/server"]);
    const { jsonRpcHandler, UserBuilder } = await import(M["@a2a-js/sdk/server/express"]);
    const app = express();
    const httpServer = createServer(app);
    await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    url = "http://127.0.0.1:" + httpServer.address().port + "/";
    const card = AgentCard.fromJSON({
      name: "bench echo", description: "echo", version: "1.0.0",
      supportedInterfaces: [
        { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
        { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      ],
      capabilities: { streaming: false, pushNotifications: false },
      defaultInputModes: ["text/plain"], defaultOutputModes: ["text/plain"], skills: [],
    });
    const executor = {
      async execute(ctx, bus) {
        const content = ctx.userMessage.parts[0]?.content;
        const text = content?.$case === "text" ? String(content.value) : "";
        bus.publish(AgentEvent.message({
          messageId: randomUUID(), contextId: ctx.contextId, taskId: "", role: Role.ROLE_AGENT,
          parts: [{ content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "" }],
          metadata: undefined, extensions: [], referenceTaskIds: [],
        }));
        bus.finished();
      },
      async cancelTask() {},
    };
    const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
    app.use(jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } }));
  `,
  // packages/core/README.md's quickstart, with the moment it is online timed: the end of its
  // registration (a poll agent's first heartbeat) or of its first heartbeat.
  agent: `
    const { PlatformClient, RemoteAgent } = await import(M["@molecule-ai/agent-core"]);
    const { stopOnSignals } = await import(M["@molecule-ai/agent-core/adapters"]);
    const client = new PlatformClient({
      platformUrl: process.env.MOLECULE_PLATFORM_URL,
      workspaceId: process.env.MOLECULE_WORKSPACE_ID,
      token: process.env.MOLECULE_WORKSPACE_TOKEN,
    });
    for (const call of ["register", "heartbeat"]) {
      const sent = client[call].bind(client);
      client[call] = async (...args) => {
        const r = await sent(...args);
        firstHeartbeatMs ??= performance.now();
        return r;
      };
    }
    const agent = new RemoteAgent({ client, handler: (msg) => "You said: " + msg.text });
    await agent.start();
    stopOnSignals(agent);
  `,
} as const;

/**
 * The child: runs a side's code, reports \`{ url }\` (IPC), waits for the parent's word (sent once
 * its request, if any, is answered), then reports its memory FOOTPRINT_AFTER_MS after its start (or
 * at once, when that has passed: a loaded machine's start can take longer).
 */
function childSource(side: keyof typeof SIDE_CODE): string {
  return `
    const M = JSON.parse(process.env.FOOTPRINT_MODULES);
    let url, firstHeartbeatMs;
    ${SIDE_CODE[side]}
    const measure = new Promise((resolve) => process.once("message", resolve));
    process.send({ url });
    await measure;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(process.env.FOOTPRINT_AFTER_MS) - performance.now())));
    const memory = process.memoryUsage();
    const modules = process.moduleLoadList.length;
    if (process.env.FOOTPRINT_SNAPSHOT) (await import("node:v8")).writeHeapSnapshot(process.env.FOOTPRINT_SNAPSHOT);
    process.send({ memory, firstHeartbeatMs, modules }, () => process.exit(0));
  `;
}

const MODULES = Object.fromEntries(
  [
    "express",
    "@a2a-js/sdk",
    "@a2a-js/sdk/server",
    "@a2a-js/sdk/server/express",
    "@molecule-ai/agent-core",
    "@molecule-ai/agent-core/adapters",
  ].map((m) => [m, import.meta.resolve(m)]),
);

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AFTER_MS = Number(process.env.FOOTPRINT_AFTER_MS ?? 20_000);
const BASE_DIR = process.env.FOOTPRINT_BASE_DIR;
/** Node flags every side runs with (FOOTPRINT_NODE_ARGS, space-separated; e.g. `--liftoff-only`). */
const NODE_ARGS = (process.env.FOOTPRINT_NODE_ARGS ?? "").split(" ").filter(Boolean);
const MiB = 1024 * 1024;

type Side = "bare" | "a2a-js" | "agent" | "agent-base";
const SIDES: Side[] = ["bare", "a2a-js", "agent", ...(BASE_DIR ? (["agent-base"] as const) : [])];

interface Sample {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  firstHeartbeatMs?: number;
  modules: number;
}

const emu = await spawnEmulator();
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
const stateRoot = await mkdtemp(join(tmpdir(), "footprint-"));

/** One side's process, from spawn to its report. */
async function measure(side: Side, round: number): Promise<Sample> {
  const env: Record<string, string> = { FOOTPRINT_AFTER_MS: String(AFTER_MS) };
  if (side === "agent" || side === "agent-base") {
    const ws = await admin.createExternalWorkspace({ name: `footprint-${side}-${round}` });
    Object.assign(env, {
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      MOLECULE_STATE_DIR: join(stateRoot, `${side}-${round}`),
    });
  }
  const snapshot = process.env.FOOTPRINT_SNAPSHOT_DIR;
  if (snapshot) env.FOOTPRINT_SNAPSHOT = join(snapshot, `${side}-${round}.heapsnapshot`);
  const urls =
    side === "agent-base"
      ? {
          "@molecule-ai/agent-core": new URL("dist/index.js", `file://${BASE_DIR}/`).href,
          "@molecule-ai/agent-core/adapters": new URL(
            "dist/adapters/index.js",
            `file://${BASE_DIR}/`,
          ).href,
        }
      : MODULES;
  const code = childSource(side === "agent-base" ? "agent" : side);
  const child = spawn(process.execPath, [...NODE_ARGS, "--input-type=module", "-e", code], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...withoutSdkHook(process.env), ...env, FOOTPRINT_MODULES: JSON.stringify(urls) },
  });
  // Its messages in order, none missed between two awaits (two can arrive in one read).
  const inbox = on(child, "message", { close: ["exit"] });
  const next = async <T>(): Promise<T> => {
    const m = await inbox.next();
    if (m.done === true) throw new Error(`${side} exited early (${child.exitCode})`);
    return (m.value as unknown[])[0] as T;
  };
  const { url } = await next<{ url?: string }>();
  if (url !== undefined) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": "0.3" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: {
          message: {
            kind: "message",
            messageId: "m1",
            role: "user",
            parts: [{ kind: "text", text: "hi" }],
          },
        },
      }),
    });
    if (!res.ok) throw new Error(`a2a-js answered ${res.status}`);
    await res.text();
  }
  child.send("measure");
  const { memory, firstHeartbeatMs, modules } = await next<{
    memory: NodeJS.MemoryUsage;
    firstHeartbeatMs?: number;
    modules: number;
  }>();
  await inbox.return?.();
  const s: Sample = {
    rssMiB: memory.rss / MiB,
    heapUsedMiB: memory.heapUsed / MiB,
    heapTotalMiB: memory.heapTotal / MiB,
    externalMiB: memory.external / MiB,
    modules,
    ...(firstHeartbeatMs !== undefined ? { firstHeartbeatMs } : {}),
  };
  console.log(
    `  round ${round + 1} ${side}: RSS ${s.rssMiB.toFixed(1)} MiB, heap used ${s.heapUsedMiB.toFixed(1)} MiB` +
      ` (total ${s.heapTotalMiB.toFixed(1)}), external ${s.externalMiB.toFixed(1)} MiB, ${modules} Node modules` +
      (firstHeartbeatMs !== undefined ? `, online ${firstHeartbeatMs.toFixed(0)} ms` : ""),
  );
  return s;
}

let r: Record<Side, Sample[]>;
try {
  r = await runRounds(SIDES, ROUNDS, measure);
} finally {
  await admin.close();
  emu.child.kill("SIGTERM");
  await rm(stateRoot, { recursive: true, force: true });
}

const series = (side: Side, k: keyof Sample) => r[side].map((s) => s[k] ?? Number.NaN);
const agentName = "idle default agent (quickstart, poll)";
const figures: Figure[] = [
  {
    figure: `RSS ${AFTER_MS / 1000} s after start`,
    ours: agentName,
    peer: "@a2a-js/sdk 1.3 JSON-RPC server on Express after one request",
    unit: "MiB",
    oursValue: median(series("agent", "rssMiB")),
    peerValue: median(series("a2a-js", "rssMiB")),
    ratio: pairedRatios(series("agent", "rssMiB"), series("a2a-js", "rssMiB")),
    target: { on: "ratio", op: "<=", value: 1 },
  },
  {
    figure: `V8 heap used ${AFTER_MS / 1000} s after start`,
    ours: agentName,
    peer: "@a2a-js/sdk 1.3 JSON-RPC server on Express after one request",
    unit: "MiB",
    oursValue: median(series("agent", "heapUsedMiB")),
    peerValue: median(series("a2a-js", "heapUsedMiB")),
    ratio: pairedRatios(series("agent", "heapUsedMiB"), series("a2a-js", "heapUsedMiB")),
  },
  {
    figure: `RSS over bare Node ${AFTER_MS / 1000} s after start`,
    ours: agentName,
    peer: "none",
    unit: "MiB",
    oursValue: median(r.agent.map((s, i) => s.rssMiB - r.bare[i]!.rssMiB)),
  },
  {
    figure: "time from process start to online (registration or first heartbeat accepted)",
    ours: agentName,
    peer: "none",
    unit: "ms",
    oursValue: median(series("agent", "firstHeartbeatMs")),
  },
  {
    figure: `RSS ${AFTER_MS / 1000} s after start (context)`,
    ours: "bare Node (not ours)",
    peer: "none",
    unit: "MiB",
    oursValue: median(series("bare", "rssMiB")),
  },
];
if (BASE_DIR) {
  for (const [k, label, unit] of [
    ["rssMiB", `RSS ${AFTER_MS / 1000} s after start`, "MiB"],
    ["heapUsedMiB", `V8 heap used ${AFTER_MS / 1000} s after start`, "MiB"],
    [
      "firstHeartbeatMs",
      "time from process start to online (registration or first heartbeat accepted)",
      "ms",
    ],
  ] as const) {
    figures.push({
      figure: `${label}, this build / the base build`,
      ours: agentName,
      peer: `the same agent on the build in ${BASE_DIR}`,
      unit,
      oursValue: median(series("agent", k)),
      peerValue: median(series("agent-base", k)),
      ratio: pairedRatios(series("agent", k), series("agent-base", k)),
    });
  }
}

await writeResult({
  name: "footprint",
  description: `One idle process each, in its own Node: bare Node, the @a2a-js/sdk 1.3 server after one request, the quickstart's agent against the emulator${BASE_DIR ? " (this build and a base build)" : ""}; memory ${AFTER_MS / 1000} s after the process started; ${ROUNDS} rounds, order rotated.`,
  rounds: ROUNDS,
  figures,
  notes: [
    "process.memoryUsage() inside each process; RSS is what a container's memory limit counts.",
    "the sides of a round run one after another, so the agent's startup shares the CPU with no other side (the emulator runs in its own process throughout).",
  ],
});
