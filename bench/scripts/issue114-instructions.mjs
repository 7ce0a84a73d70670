// Instructions (valgrind's callgrind, Ir) an agent pair runs, for a machine whose CPU time is the
// load's and whose `perf stat -e instructions` is not supported (a VM): an asking and an answering
// default agent (poll delivery woken by the event stream, the default file store) against the
// emulator, each under callgrind in its own process (the emulator not): both start, the asker
// sends ROUNDS rounds of K concurrent `callPeer` calls and exits, then the answerer exits. A run
// with ROUNDS=1 is the start (process start to the first round answered); the warm cost per round
// trip is (a run of N rounds - a run of 1) / ((N - 1) * K). The answerer's count also holds its
// idle polls and heartbeats while valgrind runs the asker (about 1-3% of a start: use 3 runs).
// Run (after a build): ./dev node bench/scripts/issue114-instructions.mjs <core dist dir> <rounds> <k>
//   e.g. <dist> = packages/core/dist, or a copy of another build's (with node_modules beside it).
// Prints one JSON line: the asker's and the answerer's instruction counts.
import { fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [dist, rounds, k, role] = process.argv.slice(2);
if (!dist || !rounds || !k) throw new Error("usage: issue114-instructions.mjs <dist> <rounds> <k>");

if (role !== undefined) {
  // One agent of the pair (this file, forked under callgrind).
  const { PlatformClient, RemoteAgent } = await import(`file://${resolve(dist)}/index.js`);
  const env = process.env;
  const client = new PlatformClient({
    platformUrl: env.PLATFORM,
    workspaceId: env.WORKSPACE,
    token: env.TOKEN,
  });
  let connected;
  const streamOpen = new Promise((r) => (connected = r));
  const agent = new RemoteAgent({
    client,
    handler: role === "answerer" ? (m) => `answer:${m.text}` : () => undefined,
    logger: { debug: (msg, meta) => msg === "event stream" && meta?.connected && connected() },
  });
  await agent.start();
  await streamOpen;
  if (role === "answerer") {
    process.on("message", () => process.exit(0));
    process.send({ ready: true });
  } else {
    let wrong = 0;
    for (let r = 0; r < Number(rounds); r++) {
      const calls = Array.from({ length: Number(k) }, async (_, i) => {
        const q = `r${r}q${i}`;
        const res = await agent.callPeer(env.PEER, q, { timeoutMs: 120_000 }).catch((e) => e);
        if (res?.text !== `answer:${q}`) wrong++;
      });
      await Promise.all(calls);
    }
    process.send({ wrong }, () => process.exit(0));
  }
} else {
  const { AdminClient } = await import("@molecule-ai/agent-core/admin");
  const emulator = import.meta.resolve("@molecule-ai/platform-emulator");
  const bin = join(dirname(fileURLToPath(emulator)), "bin.js");
  const emu = spawn(process.execPath, [bin, "--port", "0"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const { url, adminToken } = await new Promise((found) => {
    let out = "";
    emu.stdout.setEncoding("utf8");
    emu.stdout.on("data", (c) => {
      out += c;
      const u = /listening on (\S+)/.exec(out);
      const t = /admin token: (\S+)/.exec(out);
      if (u && t) found({ url: u[1], adminToken: t[1] });
    });
  });
  const admin = new AdminClient({ platformUrl: url, adminToken });
  const dir = mkdtempSync(join(tmpdir(), "issue114-"));
  const agent = async (name, extra) => {
    const ws = await admin.createExternalWorkspace({ name });
    const child = fork(fileURLToPath(import.meta.url), [dist, rounds, k, name], {
      execPath: "valgrind",
      execArgv: ["-q", "--tool=callgrind", `--callgrind-out-file=${dir}/${name}`, process.execPath],
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        MOLECULE_LOG_LEVEL: "warn",
        MOLECULE_STATE_DIR: join(dir, `${name}-state`),
        PLATFORM: url,
        WORKSPACE: ws.id,
        TOKEN: ws.token,
        ...extra,
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    return { child, ws };
  };
  const answerer = await agent("answerer", {});
  await new Promise((r) => answerer.child.once("message", r));
  const asker = await agent("asker", { PEER: answerer.ws.id });
  const { wrong } = await new Promise((r) => asker.child.once("message", r));
  await new Promise((r) => asker.child.once("exit", r));
  answerer.child.send({ exit: true });
  await new Promise((r) => answerer.child.once("exit", r));
  emu.kill("SIGTERM");
  const ir = (name) => Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, name), "utf8"))?.[1]);
  const counts = { asker: ir("asker"), answerer: ir("answerer") };
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ dist, rounds: Number(rounds), k: Number(k), wrong, ...counts }));
}
