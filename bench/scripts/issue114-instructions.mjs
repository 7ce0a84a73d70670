// Instructions (valgrind's callgrind, Ir) an agent pair runs, for a machine whose CPU time is the
// load's and whose `perf stat -e instructions` is not supported (a VM): an asking and an answering
// default agent (poll delivery woken by the event stream, the default file store) against the
// emulator, each under callgrind in its own process (the emulator not): both start, the asker
// sends ROUNDS rounds of K concurrent `callPeer` calls and exits, then the answerer exits. A run
// with ROUNDS=1 is the start (process start to the first round answered); the warm cost per round
// trip: with WARM_FROM=<w>, both agents dump their counts (callgrind_control -d) once the asker's
// first w rounds are answered and again after the last, so `startAsker`/`startAnswerer` are the
// start and the first w rounds, `warmAsker`/`warmAnswerer` the rounds after alone. The answerer's count also holds its idle polls and heartbeats while
// valgrind runs the asker (about 1-3% of a start: use 3 runs).
// Run (after a build): [WARM_FROM=w] ./dev node bench/scripts/issue114-instructions.mjs <core dist
//   dir> <rounds> <k>; <dist> = packages/core/dist, or a copy of another build's (node_modules
//   beside it). Prints one JSON line: the asker's and the answerer's instruction counts.
import { execFile, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);

const [dist, rounds, k] = process.argv.slice(2);
const role = process.env.ROLE;
const warmFrom = Number(process.env.WARM_FROM ?? 0);
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
      if (r === warmFrom && r > 0) {
        // The parent zeroes both agents' counters, then says go.
        const go = new Promise((r) => process.once("message", r));
        process.send({ warm: true });
        await go;
      }
      const calls = Array.from({ length: Number(k) }, async (_, i) => {
        const q = `r${r}q${i}`;
        const res = await agent.callPeer(env.PEER, q, { timeoutMs: 120_000 }).catch((e) => e);
        if (res?.text !== `answer:${q}`) wrong++;
      });
      await Promise.all(calls);
    }
    process.on("message", () => process.exit(0));
    process.send({ wrong });
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
    const child = fork(fileURLToPath(import.meta.url), [dist, rounds, k], {
      execPath: "valgrind",
      execArgv: ["-q", "--tool=callgrind", `--callgrind-out-file=${dir}/${name}`, process.execPath],
      env: {
        ...process.env,
        NODE_OPTIONS: "",
        MOLECULE_LOG_LEVEL: "warn",
        MOLECULE_STATE_DIR: join(dir, `${name}-state`),
        ROLE: name,
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
  const control = (command) =>
    Promise.all(
      [asker, answerer].map(({ child }) => exec("callgrind_control", [command, String(child.pid)])),
    );
  let said = await new Promise((r) => asker.child.once("message", r));
  if (said.warm) {
    await control("-d"); // a dump starts a new part: <file>.1 is the start and the first w rounds
    asker.child.send({ go: true });
    said = await new Promise((r) => asker.child.once("message", r));
    await control("-d");
  }
  const { wrong } = said;
  asker.child.send({ exit: true });
  await new Promise((r) => asker.child.once("exit", r));
  answerer.child.send({ exit: true });
  await new Promise((r) => answerer.child.once("exit", r));
  emu.kill("SIGTERM");
  const ir = (name) => Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, name), "utf8"))?.[1]);
  let counts = { asker: ir("asker"), answerer: ir("answerer") };
  if (warmFrom > 0) {
    // Parts: <file>.1 the start and the first w rounds, <file>.2 the rounds after, <file> the exit.
    const tail = counts;
    const start = { asker: ir("asker.1"), answerer: ir("answerer.1") };
    const warm = { asker: ir("asker.2"), answerer: ir("answerer.2") };
    counts = {
      asker: start.asker + warm.asker + tail.asker,
      answerer: start.answerer + warm.answerer + tail.answerer,
      startAsker: start.asker,
      startAnswerer: start.answerer,
      warmAsker: warm.asker,
      warmAnswerer: warm.answerer,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ dist, rounds: Number(rounds), k: Number(k), wrong, ...counts }));
}
