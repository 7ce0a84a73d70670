// The one set-up of this package's test files: `usePostgres()` registers the Vitest hooks that make
// a fresh database on the run's PostgreSQL server (see global-setup.ts) and, when asked, start the
// emulator, a temp folder, an admin pool and the replica processes (killed after each test).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "pg";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { A2AHandler } from "@molecule-ai/agent-core/a2a";
import { PlatformClient } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freshDatabase } from "./db.js";
import { ReplicaSet } from "./replicas.js";

/** What a test file asks {@link usePostgres} for (the database is always made). */
export interface PgTestOptions {
  /** Start an emulator (`true`, or its options). */
  emulator?: boolean | Parameters<typeof startEmulator>[0];
  /** A temp folder (removed after the file); implied by `replicas`. */
  tmp?: boolean;
  /** An admin `pg` pool on the database (ended after the file). */
  pool?: boolean;
  /** Replica processes (`ReplicaSet`), every one still running killed after each test. */
  replicas?: boolean;
}

/** The test file's resources, usable once its `beforeAll` ran (reading one not asked for throws). */
export interface PgTest {
  readonly dbUrl: string;
  readonly emu: Emulator;
  readonly dir: string;
  readonly db: Pool;
  readonly set: ReplicaSet;
  /** A new workspace on the emulator and the environment of replica processes serving it. */
  replicaWorkspace(name: string, extra?: Record<string, string>): Promise<ReplicaWorkspace>;
  /** A new workspace on the emulator and a `PlatformClient` of it (closed after the test). */
  workspaceClient(name: string): Promise<{ id: string; client: PlatformClient }>;
}

/** What {@link PgTest.replicaWorkspace} makes. */
export interface ReplicaWorkspace {
  ws: { id: string; token?: string | undefined };
  env: Record<string, string>;
}

type Made = { -readonly [K in keyof PgTest]?: PgTest[K] };

/** Registers the hooks that make (and afterwards remove) what `options` asks for. */
export function usePostgres(options: PgTestOptions = {}): PgTest {
  const made: Made = {};
  beforeAll(async () => {
    const tmp = options.tmp === true || options.replicas === true;
    const emu = options.emulator;
    if (emu) made.emu = await startEmulator(emu === true ? undefined : emu);
    if (tmp) made.dir = await mkdtemp(join(tmpdir(), "pg-test-"));
    made.dbUrl = await freshDatabase();
    if (options.pool) made.db = new Pool({ connectionString: made.dbUrl });
    if (options.replicas) made.set = new ReplicaSet(made.dir!);
  });
  if (options.replicas) afterEach(async () => await made.set?.killAll());
  const clients: PlatformClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  afterAll(async () => {
    await made.set?.killAll();
    await made.db?.end();
    await made.emu?.close();
    if (made.dir !== undefined) await rm(made.dir, { recursive: true, force: true });
  });
  const get = <K extends keyof Made>(key: K): PgTest[K] => {
    const value = made[key];
    if (value === undefined) {
      throw new Error(
        `usePostgres: ${key} is not set up (ask for it, and use it in a test or hook)`,
      );
    }
    return value as PgTest[K];
  };
  return {
    get dbUrl() {
      return get("dbUrl");
    },
    get emu() {
      return get("emu");
    },
    get dir() {
      return get("dir");
    },
    get db() {
      return get("db");
    },
    get set() {
      return get("set");
    },
    async replicaWorkspace(name, extra = {}) {
      const emu = get("emu");
      const ws = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      const env = {
        PLATFORM_URL: emu.url,
        WS_ID: ws.id,
        WS_TOKEN: ws.token!,
        DB_URL: get("dbUrl"),
      };
      return { ws, env: { ...env, ...extra } };
    },
    async workspaceClient(name) {
      const emu = get("emu");
      const ws = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      clients.push(client);
      return { id: ws.id, client };
    },
  };
}

/** A round-robin load balancer over in-process A2A handlers, on 127.0.0.1 (close its server). */
export async function balance(handlers: A2AHandler[]): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer(
    (req, res) => void handlers[next++ % handlers.length]!.handleNode(req, res),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a2a`, server };
}
