// The servers push-throughput compares, each started in its own child process by
// `node push-servers.ts <kind>`: it prints its URL and answers an IPC "cpu" with its CPU time (µs).
//   ours          startA2AServer with its path secret and an echo onMessage (the bare push server)
//   remote-agent  a RemoteAgent with push delivery (its startA2AServer + de-dup + dispatcher, default
//                 concurrency 4) and an echo handler, registered with the emulator at
//                 BENCH_EMULATOR_URL as workspace BENCH_WORKSPACE_ID (token in BENCH_WORKSPACE_TOKEN)
//   a2a-js        an @a2a-js/sdk 1.3 Express server: DefaultRequestHandler + InMemoryTaskStore + echo
//                 AgentExecutor, jsonRpcHandler with legacyCompat so it accepts v0.3 `message/send`
//   floor         a bare node:http JSON echo: parse the body, write a JSON-RPC result
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createInterface } from "node:readline";

/** The kinds of server. */
export type ServerKind = "ours" | "remote-agent" | "a2a-js" | "floor";

type Started = { url: string; close: () => Promise<void> };

async function serveOurs(): Promise<Started> {
  const { startA2AServer } = await import("@molecule-ai/agent-core/a2a");
  const server = await startA2AServer({
    agentCard: { name: "bench echo" },
    onMessage: (message) => {
      const part = message.parts[0];
      return part?.kind === "text" ? part.text : "";
    },
  });
  return { url: server.url, close: () => server.close() };
}

function env(k: string): string {
  const v = process.env[k];
  if (v === undefined) throw new Error(`remote-agent server needs ${k}`);
  return v;
}

async function serveRemoteAgent(): Promise<Started> {
  const { PlatformClient, RemoteAgent } = await import("@molecule-ai/agent-core");
  const client = new PlatformClient({
    platformUrl: env("BENCH_EMULATOR_URL"),
    workspaceId: env("BENCH_WORKSPACE_ID"),
    token: env("BENCH_WORKSPACE_TOKEN"),
  });
  const agent = new RemoteAgent({
    client,
    agentCard: { name: "bench echo" },
    // A host name, not an IP literal: a strict platform rejects IP-literal agent URLs.
    delivery: { mode: "push", host: "localhost" },
    handler: (msg) => msg.text,
  });
  await agent.start();
  return {
    url: agent.pushUrl as string,
    close: async () => {
      await agent.stop();
      await client.close();
    },
  };
}

async function serveA2AJs(): Promise<Started> {
  const express = (await import("express")).default;
  const { AgentCard, Role } = await import("@a2a-js/sdk");
  const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } =
    await import("@a2a-js/sdk/server");
  const { jsonRpcHandler, UserBuilder } = await import("@a2a-js/sdk/server/express");
  const app = express();
  const httpServer = createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}/`;
  const card = AgentCard.fromJSON({
    name: "bench echo",
    description: "echo",
    version: "1.0.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
    ],
    capabilities: { streaming: false, pushNotifications: false },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
  });
  const executor = {
    async execute(
      ctx: {
        userMessage: { parts: { content?: { $case: string; value: unknown } }[] };
        contextId: string;
      },
      bus: { publish(e: unknown): void; finished(): void },
    ) {
      const content = ctx.userMessage.parts[0]?.content;
      const text = content?.$case === "text" ? String(content.value) : "";
      bus.publish(
        AgentEvent.message({
          messageId: randomUUID(),
          contextId: ctx.contextId,
          taskId: "",
          role: Role.ROLE_AGENT,
          parts: [
            {
              content: { $case: "text", value: text },
              metadata: undefined,
              filename: "",
              mediaType: "",
            },
          ],
          metadata: undefined,
          extensions: [],
          referenceTaskIds: [],
        }),
      );
      bus.finished();
    },
    async cancelTask() {},
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor as never);
  app.use(
    jsonRpcHandler({
      requestHandler: handler,
      userBuilder: UserBuilder.noAuthentication,
      legacyCompat: { enabled: true },
    }),
  );
  return { url, close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())) };
}

async function serveFloor(): Promise<Started> {
  const httpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const text = body.params?.message?.parts?.[0]?.text ?? "";
      const out = JSON.stringify({
        jsonrpc: "2.0",
        id: body.id,
        result: {
          kind: "message",
          messageId: randomUUID(),
          role: "agent",
          parts: [{ kind: "text", text }],
        },
      });
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(out),
      });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}/`;
  return { url, close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())) };
}

const SERVE: Record<ServerKind, () => Promise<Started>> = {
  ours: serveOurs,
  "remote-agent": serveRemoteAgent,
  "a2a-js": serveA2AJs,
  floor: serveFloor,
};

/** A server child: its URL, and its CPU time (µs) on request. */
export interface ServerChild {
  url: string;
  child: ChildProcess;
  /** The child's CPU time (user + system, µs) since it started listening. */
  cpu: () => Promise<number>;
}

/** Starts a `kind` server in a child process (extra environment in `env`). */
export async function startServer(
  kind: ServerKind,
  env: Record<string, string> = {},
): Promise<ServerChild> {
  const nodeArgs = process.env["BENCH_SERVER_NODE_ARGS"]?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, import.meta.filename, kind], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const cpu = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error(`${kind} server exited`));
      child.once("exit", onExit);
      child.once("message", (m: { cpu: number }) => {
        child.off("exit", onExit);
        resolve(m.cpu);
      });
      child.send("cpu");
    });
  return { url, child, cpu };
}

/** Stops a server child (SIGTERM) and waits for it to exit. */
export async function stopServer(s: ServerChild): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once("exit", () => resolve()));
  s.child.kill("SIGTERM");
  await exited;
}

if (import.meta.filename === process.argv[1]) {
  const { url, close } = await SERVE[process.argv[2] as ServerKind]();
  const cpuAtStart = process.cpuUsage();
  process.on("message", () => {
    const cpu = process.cpuUsage(cpuAtStart);
    process.send?.({ cpu: cpu.user + cpu.system });
  });
  process.stdout.write(`${url}\n`);
  process.once("SIGTERM", () => {
    process.disconnect?.();
    void close().finally(() => process.exit(0));
  });
}
