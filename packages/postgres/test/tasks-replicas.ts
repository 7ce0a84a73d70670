// Helpers of the shared task store tests: push replica processes (fixtures/tasks-child.mjs), two
// Nest app replicas, a round-robin proxy in front of them, and JSON-RPC calls.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { INestApplication, Type } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { Test } from "@nestjs/testing";
import { afterAll, beforeAll } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { MoleculeAgentModule } from "@molecule-ai/nestjs";
import { freePort, readLines, rpc } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/tasks-child.mjs", import.meta.url));

/** A replica process and what it printed. */
export interface TaskReplica {
  name: string;
  child: ChildProcess;
  /** The replica's A2A endpoint (set once it is ready). */
  url: string;
  ready: Promise<void>;
  exited: Promise<void>;
  /** Resolves with the first line (printed so far or later) that `match` accepts. */
  line(match: (line: string) => boolean): Promise<string>;
  /** Whether this replica printed `line` already. */
  printed(line: string): boolean;
  release(taskId: string): void;
}

/** Starts a replica process on the store at `dbUrl` (`env`: e.g. `VISIBILITY_MS`). */
export function startTaskReplica(
  name: string,
  dbUrl: string,
  env: Record<string, string> = {},
): TaskReplica {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env, DB_URL: dbUrl, REPLICA_ID: name },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const { lines, line } = readLines(child.stdout!);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const replica: TaskReplica = {
    name,
    child,
    url: "",
    ready: line((l) => l.startsWith("ready ")).then((l) => void (replica.url = l.slice(6))),
    exited,
    line,
    printed: (l) => lines.includes(l),
    release: (taskId) => void child.stdin!.write(`release ${taskId}\n`),
  };
  return replica;
}

/** Replica processes "a", "b" and "c" behind a round-robin proxy, for a whole test file. */
export interface TaskReplicaFile {
  /** The running replicas; a test may replace one (the proxy and the clean-up follow). */
  replicas: TaskReplica[];
  /** The round-robin proxy over `replicas` (set once the file's `beforeAll` ran). */
  readonly proxy: { url: string; server: Server };
}

/** Registers the hooks that start the replicas on `pg.dbUrl` before the file and stop them after. */
export function useTaskReplicas(pg: { readonly dbUrl: string }): TaskReplicaFile {
  const replicas: TaskReplica[] = [];
  let proxy: { url: string; server: Server } | undefined;
  beforeAll(async () => {
    replicas.push(...["a", "b", "c"].map((name) => startTaskReplica(name, pg.dbUrl)));
    await Promise.all(replicas.map(async (r) => await r.ready));
    proxy = await roundRobin(() => replicas.map((r) => r.url));
  });
  afterAll(async () => {
    await new Promise((r) => proxy?.server.close(r));
    for (const r of replicas) {
      r.child.kill("SIGTERM");
      await r.exited;
    }
  });
  return {
    replicas,
    get proxy() {
      if (proxy === undefined) throw new Error("useTaskReplicas: the proxy starts in beforeAll");
      return proxy;
    },
  };
}

/** Two Nest app replicas and the round-robin proxy in front of them (`close()` stops all). */
export interface NestTaskReplicas {
  proxy: { url: string; server: Server };
  /** Each app's push endpoint. */
  urls: string[];
  close(): Promise<void>;
}

/**
 * Starts two replicas of a Nest app with `worker` (`forRoot({ store })`, push under
 * `/a2a/<secret>`, each its own PostgreSQL store on `dbUrl`) behind a round-robin proxy.
 */
export async function startNestTaskReplicas(options: {
  platformUrl: string;
  ws: { id: string; token?: string | undefined };
  dbUrl: string;
  worker: Type<unknown>;
  logger?: Parameters<typeof MoleculeAgentModule.forRoot>[0]["logger"];
}): Promise<NestTaskReplicas> {
  const secret = randomUUID().replaceAll("-", "") + "abcdefgh";
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((p) => `http://127.0.0.1:${p}/a2a/${secret}`);
  const proxy = await roundRobin(() => urls);
  const stores = ports.map(() => createPostgresStore({ connectionString: options.dbUrl }));
  const apps: INestApplication[] = [];
  const close = async (): Promise<void> => {
    for (const app of apps) await app.close();
    for (const s of stores) await s.close();
    await new Promise((r) => proxy.server.close(r));
  };
  try {
    for (const [i, port] of ports.entries()) {
      const moduleRef = await Test.createTestingModule({
        imports: [
          MoleculeAgentModule.forRoot({
            platformUrl: options.platformUrl,
            workspaceId: options.ws.id,
            token: options.ws.token!,
            delivery: {
              mode: "push",
              path: "/a2a",
              publicUrl: `${proxy.url.replace("127.0.0.1", "localhost")}a2a`,
              secret,
            },
            store: stores[i]!,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          }),
        ],
        providers: [options.worker],
      }).compile();
      const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
      await app.listen(port, "127.0.0.1");
      apps.push(app);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { proxy, urls, close };
}

/** Which of `replicas` started task `taskId`. */
export async function runnerOf(replicas: TaskReplica[], taskId: string): Promise<TaskReplica> {
  return await Promise.race(
    replicas.map(async (r) => {
      await r.line((l) => l === `started ${taskId}`);
      return r;
    }),
  );
}

/** A round-robin proxy over the replicas' endpoints (the list may change between requests). */
export async function roundRobin(
  targets: () => string[],
): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const list = targets();
      const target = list[next++ % list.length]!;
      const auth = req.headers.authorization;
      void fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
        body: Buffer.concat(chunks),
      }).then(
        (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "" });
          if (r.body) Readable.fromWeb(r.body as never).pipe(res); // DOM vs node:stream/web types
          else res.end();
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** A JSON-RPC response's body. */
/** A user message with one text part. */
export function userMessage(text: string): Record<string, unknown> {
  return {
    kind: "message",
    role: "user",
    messageId: randomUUID(),
    parts: [{ kind: "text", text }],
  };
}

/**
 * The bearer the platform sends with its pushes to workspace `ws` (its `platform_inbound_secret`,
 * as a heartbeat answers it): what a test that POSTs to the workspace's push endpoint itself sends,
 * since a push server that knows the platform signs refuses a POST without it (August 2026).
 */
export async function platformBearer(
  platformUrl: string,
  ws: { id: string; token?: string | undefined },
): Promise<string | undefined> {
  const client = new PlatformClient({ platformUrl, workspaceId: ws.id, token: ws.token! });
  try {
    await client.heartbeat();
    return client.files.inboundSecret;
  } finally {
    await client.close();
  }
}

/** A non-blocking `message/send` of `text`: the task id (`bearer`: see {@link platformBearer}). */
export async function startTask(url: string, text: string, bearer?: string): Promise<string> {
  const body = await rpc(
    url,
    "message/send",
    { message: userMessage(text), configuration: { blocking: false } },
    { bearer },
  );
  if (typeof body.result?.id !== "string") throw new Error(`no task: ${JSON.stringify(body)}`);
  return body.result.id;
}

/** The task's state as `url` answers `tasks/get` (or the error code). */
export async function stateOn(
  url: string,
  taskId: string,
  bearer?: string,
): Promise<string | number> {
  const body = await rpc(url, "tasks/get", { id: taskId }, { bearer });
  return body.result?.status?.state ?? body.error?.code ?? "no answer";
}
