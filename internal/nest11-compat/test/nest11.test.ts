// NestJS 11 compatibility: the packed tarball of @molecule-ai/nestjs (exactly what npm would
// publish) is unpacked into throwaway CommonJS Nest apps whose @nestjs/*, reflect-metadata and rxjs
// are this package's NestJS 11 copies (not the NestJS 12 that @molecule-ai/nestjs is developed
// against). Each app runs as its own `node app.cjs` process against an emulator started here,
// answers a peer over poll or push delivery, closes on request and must exit by itself (a leftover
// timer or socket would keep it alive and fail the test).
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchInbound, PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, packPackage, unpackInto, waitFor } from "@internal/test-utils";
import type { PackedPackage } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const here = fileURLToPath(new URL("..", import.meta.url));
const nestPkgDir = realpathSync(join(here, "node_modules", "@molecule-ai", "nestjs"));

/** What a Nest 11 app brings itself, linked from this package's node_modules. */
const NEST11 = [
  "@nestjs/common",
  "@nestjs/core",
  "@nestjs/platform-express",
  "@nestjs/platform-fastify",
  "reflect-metadata",
  "rxjs",
] as const;

function versionOf(name: string): string {
  const manifest = join(here, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** The one version of each package an app on `http` (or none) must have loaded: this package's. */
function expectedLoaded(http: "express" | "fastify" | null): Record<string, string[]> {
  return {
    "@nestjs/common": [versionOf("@nestjs/common")],
    "@nestjs/core": [versionOf("@nestjs/core")],
    ...(http === "express" && {
      "@nestjs/platform-express": [versionOf("@nestjs/platform-express")],
    }),
    ...(http === "fastify" && {
      "@nestjs/platform-fastify": [versionOf("@nestjs/platform-fastify")],
    }),
    "reflect-metadata": [versionOf("reflect-metadata")],
    rxjs: [versionOf("rxjs")],
  };
}

// What `tsc` (module commonjs, experimentalDecorators, emitDecoratorMetadata: the Nest CLI's
// defaults) emits for an app module with MoleculeAgentModule.forRoot(...) and
//   @PeerAgent() @Injectable() class EchoAgent {
//     constructor(private readonly client: PlatformClient) {}
//     @OnPeerMessage() reply(msg: InboundMessage, ctx: HandlerContext): string { ... }
//   }
// MODE=poll boots an application context; MODE=push an HTTP app (ADAPTER=express|fastify).
// Protocol: one `READY <json>` line once the app is up; when stdin ends it closes and prints
// `RESULT <json>`, then must exit by itself.
const APP = `"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.AppModule = exports.EchoAgent = void 0;
const node_fs_1 = require("node:fs");
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const nestjs_1 = require("@molecule-ai/nestjs");
const agent_core_1 = require("@molecule-ai/agent-core");
const seen = [];
let EchoAgent = class EchoAgent {
    client;
    constructor(client) {
        this.client = client;
    }
    reply(msg, ctx) {
        seen.push({ text: msg.text, source: msg.source, sourceId: msg.sourceId ?? null, sameClient: ctx.client === this.client });
        return "nest11 echo: " + msg.text;
    }
};
exports.EchoAgent = EchoAgent;
__decorate([
    (0, nestjs_1.OnPeerMessage)(),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object]),
    __metadata("design:returntype", String)
], EchoAgent.prototype, "reply", null);
exports.EchoAgent = EchoAgent = __decorate([
    (0, nestjs_1.PeerAgent)(),
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [agent_core_1.PlatformClient])
], EchoAgent);
const push = process.env.MODE === "push";
let AppModule = class AppModule {
};
exports.AppModule = AppModule;
exports.AppModule = AppModule = __decorate([
    (0, common_1.Module)({
        imports: [nestjs_1.MoleculeAgentModule.forRoot({
                platformUrl: process.env.MOLECULE_URL,
                workspaceId: process.env.MOLECULE_WORKSPACE_ID,
                token: process.env.MOLECULE_WORKSPACE_TOKEN,
                delivery: push
                    ? { mode: "push", path: "/molecule/a2a", publicUrl: process.env.PUBLIC_URL }
                    : { mode: "poll", intervalMs: 20 },
                heartbeatIntervalMs: 50,
            })],
        providers: [EchoAgent],
    })
], AppModule);
/** Every version of the Nest packages, rxjs and reflect-metadata this process has loaded. */
function loadedVersions() {
    const found = {};
    for (const file of Object.keys(require.cache)) {
        const m = /^.*[\\\\/]node_modules[\\\\/](@nestjs[\\\\/][^\\\\/]+|rxjs|reflect-metadata)[\\\\/]/.exec(file);
        if (!m) continue;
        const name = m[1].replace(/\\\\/g, "/");
        const { version } = JSON.parse((0, node_fs_1.readFileSync)(m[0] + "package.json", "utf8"));
        (found[name] ??= new Set()).add(version);
    }
    return Object.fromEntries(Object.entries(found).map(([k, v]) => [k, [...v].sort()]).sort());
}
async function main() {
    const stdinEnded = new Promise((resolve) => {
        process.stdin.on("end", resolve);
        process.stdin.resume();
    });
    const logger = ["error", "warn"];
    let app;
    if (!push) {
        app = await core_1.NestFactory.createApplicationContext(AppModule, { logger });
    } else if (process.env.ADAPTER === "fastify") {
        const { FastifyAdapter } = require("@nestjs/platform-fastify");
        app = await core_1.NestFactory.create(AppModule, new FastifyAdapter(), { logger });
    } else {
        app = await core_1.NestFactory.create(AppModule, { logger });
    }
    if (push) await app.listen(Number(process.env.PORT), "127.0.0.1");
    if (push) await app.get(nestjs_1.MoleculeAgentLifecycle).ready; // registered once it listens
    const agent = app.get(agent_core_1.RemoteAgent);
    console.log("READY " + JSON.stringify({
        coreVersion: require("@nestjs/core/package.json").version,
        adapter: push ? app.getHttpAdapter().getType() : null,
        routes: app.get(nestjs_1.PeerMessageDispatcher).routes.map((r) => r.name),
        pushUrl: agent.pushUrl ?? null,
        loaded: loadedVersions(),
    }));
    await stdinEnded;
    await app.close();
    console.log("RESULT " + JSON.stringify({ seen }));
}
main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
`;

/** A running `node app.cjs`. */
interface AppProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the JSON of the first stdout line starting with `tag `. */
  line(tag: "READY" | "RESULT"): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  output(): string;
}

const running = new Set<AppProcess>();

function startApp(dir: string, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ["app.cjs"], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown");
      for (const w of waiters.splice(0)) w();
    });
  });
  const output = (): string => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  const app: AppProcess = {
    child,
    exited,
    output,
    line: (tag) =>
      new Promise((resolve, reject) => {
        // A bound against a hang, under the test's: a failure then shows what the app printed.
        const timer = setTimeout(
          () => reject(new Error(`the app printed no ${tag} line within 60 s\n${output()}`)),
          60_000,
        );
        const check = (): void => {
          const found = stdout.split("\n").find((l) => l.startsWith(`${tag} `));
          if (found) {
            clearTimeout(timer);
            return resolve(JSON.parse(found.slice(tag.length + 1)));
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            return reject(new Error(`the app exited before printing ${tag}\n${output()}`));
          }
          waiters.push(check);
        };
        check();
      }),
  };
  running.add(app);
  void exited.then(() => running.delete(app));
  return app;
}

/**
 * Ends the app's stdin (its cue to close) and waits for it to exit, at most `ms`. Returns the exit
 * code (or "still running") with the app's output, so a failing assertion shows what it printed.
 */
async function closeApp(
  app: AppProcess,
  ms = 20_000,
): Promise<{ code: number | string; output: string }> {
  app.child.stdin.end();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("still running"), ms);
  });
  const code = await Promise.race([app.exited, timeout]);
  clearTimeout(timer);
  return { code, output: app.output() };
}

let packed: PackedPackage | undefined;
let emu: Emulator;

/** A throwaway CommonJS app with the packed package and the NestJS 11 peers. */
function makeApp(name: string): string {
  // Links the package's own dependencies (@molecule-ai/agent-core, built) but no Nest peers.
  const dir = unpackInto(packed!, name, "commonjs");
  for (const dep of NEST11) {
    const at = join(dir, "node_modules", dep);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(realpathSync(join(here, "node_modules", dep)), at, "dir");
  }
  writeFileSync(join(dir, "app.cjs"), APP);
  return dir;
}

async function workspaces(label: string): Promise<{
  ws: { id: string; token: string };
  peer: { id: string; client: PlatformClient };
}> {
  const ws = await emu.admin.createWorkspace({ name: `nest11-${label}` });
  if (!ws.token) throw new Error("the emulator issued no workspace token");
  // The peer reads its inbox (poll): created for poll, as a poll agent's workspace is.
  const peer = await emu.admin.createWorkspace({ name: `peer-${label}`, deliveryMode: "poll" });
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: peer.id,
    token: peer.token,
  });
  return { ws: { id: ws.id, token: ws.token }, peer: { id: peer.id, client } };
}

/** The built @molecule-ai/nestjs, packed (turbo runs this test after its build and check:package). */
function packNestPackage(): PackedPackage {
  try {
    return packPackage(nestPkgDir, "molecule-nest11-");
  } catch (error) {
    throw new Error(
      `packing @molecule-ai/nestjs failed; is it built? Run \`pnpm --filter @molecule-ai/nestjs build\` (turbo's ^build does it for \`turbo run test\`).`,
      { cause: error },
    );
  }
}

beforeAll(async () => {
  packed = packNestPackage();
  emu = await startEmulator();
});

afterEach(() => {
  for (const app of running) app.child.kill("SIGKILL");
});

afterAll(async () => {
  await emu?.close();
  packed?.dispose();
});

describe("the test setup", () => {
  it("links NestJS 11 peers, and the packed package resolves them (not the NestJS 12 it is built with)", () => {
    const dir = makeApp("resolution");
    const fromPackage = createRequire(join(dir, "node_modules", "@molecule-ai", "nestjs", "x.js"));
    for (const name of ["@nestjs/common", "@nestjs/core"]) {
      const manifest = fromPackage.resolve(`${name}/package.json`);
      const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
      expect(version).toMatch(/^11\./);
      expect(realpathSync(dirname(manifest))).toBe(realpathSync(join(here, "node_modules", name)));
    }
    // The workspace's own copy of @molecule-ai/nestjs is on NestJS 12: the test would mean nothing
    // if the linked peers were the same.
    const fromSource = createRequire(join(nestPkgDir, "x.js"));
    const devCore = JSON.parse(
      readFileSync(fromSource.resolve("@nestjs/core/package.json"), "utf8"),
    ) as { version: string };
    expect(devCore.version).not.toMatch(/^11\./);
  });
});

describe("@molecule-ai/nestjs as published, in a CommonJS NestJS 11 app", () => {
  it("poll delivery (createApplicationContext): a peer's message reaches @OnPeerMessage(), the reply reaches the peer's inbox, close() lets the process exit", async () => {
    const { ws, peer } = await workspaces("poll");
    const app = startApp(makeApp("poll"), {
      MODE: "poll",
      MOLECULE_URL: emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token,
    });
    const ready = await app.line("READY");
    expect(ready).toEqual({
      coreVersion: expect.stringMatching(/^11\./),
      adapter: null,
      routes: ["EchoAgent.reply"],
      pushUrl: null,
      loaded: expectedLoaded(null),
    });
    expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("online");

    // Sent while the app runs: the platform queues it and the app polls it.
    const sent = await peer.client.callPeer(ws.id, "hello nest 11");
    expect(sent.status).toBe("queued");
    const reply = await waitFor(
      async () => (await fetchInbound(peer.client)).find((m) => m.sourceId === ws.id),
      { timeoutMs: 15_000 },
    );
    expect(sanitizePeerText(reply.text)).toBe("nest11 echo: hello nest 11");

    expect(await closeApp(app)).toEqual({
      code: 0, // exited by itself: nothing left running after close()
      output: expect.not.stringMatching(/\b(WARN|ERROR)\b/),
    });
    expect(await app.line("RESULT")).toEqual({
      seen: [{ text: "hello nest 11", source: "peer_agent", sourceId: peer.id, sameClient: true }],
    });
  });

  it.each(["express", "fastify"] as const)(
    "push delivery on %s: the platform POSTs to the Nest route, the return value is the callPeer result, close() lets the process exit",
    async (adapter) => {
      const { ws, peer } = await workspaces(`push-${adapter}`);
      const port = await freePort();
      const base = `http://localhost:${port}/molecule/a2a`;
      const app = startApp(makeApp(`push-${adapter}`), {
        MODE: "push",
        ADAPTER: adapter,
        PORT: String(port),
        PUBLIC_URL: base,
        MOLECULE_URL: emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token,
      });
      const ready = await app.line("READY");
      expect(ready).toEqual({
        coreVersion: expect.stringMatching(/^11\./),
        adapter,
        routes: ["EchoAgent.reply"],
        pushUrl: expect.stringMatching(
          new RegExp(`^http://localhost:${port}/molecule/a2a/[A-Za-z0-9_-]{43}$`),
        ),
        loaded: expectedLoaded(adapter),
      });
      const info = await emu.admin.getWorkspace(ws.id);
      expect(info["status"]).toBe("online");
      expect(info["url"]).toBe(ready["pushUrl"]);

      const result = await peer.client.callPeer(ws.id, `over push on ${adapter}`, {
        timeoutMs: 60_000, // under the test's bound, so a lost call fails as one
      });
      expect(result.status).toBe("completed");
      expect(result.status === "completed" ? sanitizePeerText(result.text) : "").toBe(
        `nest11 echo: over push on ${adapter}`,
      );

      // Without the secret path segment the route answers 404 and nothing is handled, even with
      // the platform's bearer (which the workspace's heartbeat hands out, as to the app).
      const self = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token,
      });
      await self.heartbeat();
      const bearer = `Bearer ${self.files.inboundSecret!}`;
      await self.close();
      for (const url of [`${base}/wrong-secret-wrong-secret-0000`, base]) {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: bearer },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message/send", params: {} }),
        });
        expect(res.status).toBe(404);
        await res.arrayBuffer();
      }

      expect(await closeApp(app)).toEqual({
        code: 0, // exited by itself: nothing left running after close()
        output: expect.not.stringMatching(/\b(WARN|ERROR)\b/),
      });
      // The platform forwards only the JSON-RPC body, so a pushed message's source is "unknown".
      expect(await app.line("RESULT")).toEqual({
        seen: [
          {
            text: `over push on ${adapter}`,
            source: "unknown",
            sourceId: null,
            sameClient: true,
          },
        ],
      });
      await expect(fetch(String(ready["pushUrl"]), { method: "POST" })).rejects.toThrow(
        /fetch failed/,
      );
    },
  );
});
