// Consumer test: the packed tarball of @molecule-ai/nestjs (exactly what npm would publish) is
// unpacked into a throwaway CommonJS Nest app (the default Nest CLI shape: tsc output with
// __decorate helpers and require()) and an ESM one. Each boots against the emulator, answers a
// message that was waiting for it with a decorated method, shuts down, and exits on its own
// (a leftover timer or socket would keep the process alive and fail the test).
import { execFile, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fetchInbound, PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { packPackage, unpackInto, waitFor } from "@internal/test-utils";
import type { PackedPackage } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
let packed: PackedPackage | undefined;
let tarball: string;
let emu: Emulator;

/** The peers a Nest app brings itself (resolved from this package's own node_modules). */
const APP_DEPS = ["@nestjs/common", "@nestjs/core", "reflect-metadata", "rxjs"];

function makeProject(name: string, type: "module" | "commonjs"): string {
  return unpackInto(packed!, name, type, APP_DEPS);
}

// What `tsc` (module commonjs, experimentalDecorators, emitDecoratorMetadata) emits for
//   @PeerAgent() @Injectable() class EchoAgent { @OnPeerMessage() reply(msg) { ... } }
//   @Module({ imports: [MoleculeAgentModule.forRoot({...})], providers: [EchoAgent] }) class AppModule {}
const HELPERS = `
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};`;

function appBody(ns: string, common: string, core: string, agentCore: string): string {
  return `
let handled;
const done = new Promise((resolve) => (handled = resolve));
let EchoAgent = class EchoAgent {
    reply(msg) {
        handled(msg.text);
        return "echo: " + msg.text;
    }
};
__decorate([
    (0, ${ns}.OnPeerMessage)({ source: "peer_agent" }),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object]),
    __metadata("design:returntype", String)
], EchoAgent.prototype, "reply", null);
EchoAgent = __decorate([(0, ${ns}.PeerAgent)(), (0, ${common}.Injectable)()], EchoAgent);
let AppModule = class AppModule {};
AppModule = __decorate([
    (0, ${common}.Module)({
        imports: [${ns}.MoleculeAgentModule.forRoot({
            platformUrl: process.env.MOLECULE_URL,
            workspaceId: process.env.MOLECULE_WORKSPACE_ID,
            token: process.env.MOLECULE_WORKSPACE_TOKEN,
            delivery: { mode: "poll", intervalMs: 20 },
            heartbeatIntervalMs: 50,
        })],
        providers: [EchoAgent],
    })
], AppModule);
async function main() {
    const app = await ${core}.NestFactory.createApplicationContext(AppModule, { logger: false });
    app.enableShutdownHooks();
    const text = await done;
    const routes = app.get(${ns}.PeerMessageDispatcher).routes.map((r) => r.name);
    const workspaceId = app.get(${agentCore}.PlatformClient).workspaceId;
    // Shut down at once: close() delivers the queued reply; the process must exit by itself.
    await app.close();
    console.log(JSON.stringify({ text, routes, workspaceId }));
}
main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
`;
}

const CJS_APP = `"use strict";${HELPERS}
Object.defineProperty(exports, "__esModule", { value: true });
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const nestjs_1 = require("@molecule-ai/nestjs");
const agent_core_1 = require("@molecule-ai/agent-core");
${appBody("nestjs_1", "common_1", "core_1", "agent_core_1")}`;

const ESM_APP = `${HELPERS.replaceAll("(this && this.__decorate) || ", "").replaceAll("(this && this.__metadata) || ", "")}
import * as common from "@nestjs/common";
import * as core from "@nestjs/core";
import * as molecule from "@molecule-ai/nestjs";
import * as agentCore from "@molecule-ai/agent-core";
${appBody("molecule", "common", "core", "agentCore")}`;

beforeAll(async () => {
  // The package as built (turbo's test task runs after its build and check:package: tarballOf's).
  packed = packPackage(pkgDir, "molecule-nestjs-consumer-");
  tarball = packed.tarball;
  emu = await startEmulator();
}, 120_000);

afterAll(async () => {
  await emu?.close();
  packed?.dispose();
});

describe.each([
  ["CommonJS (require)", "commonjs", CJS_APP, "main.js"],
  ["ESM (import)", "module", ESM_APP, "main.js"],
] as const)(
  "@molecule-ai/nestjs as published, from a %s Nest app",
  (_label, type, source, file) => {
    it("boots, answers a waiting message with the decorated method, closes and exits", async () => {
      const dir = makeProject(`app-${type}`, type);
      writeFileSync(join(dir, file), source);
      // Both for poll, as users create external workspaces (August 2026: an admin-created one is
      // push with no URL, which refuses a message waiting before the app starts, and a reply).
      const ws = await emu.admin.createWorkspace({
        name: `consumer-${type}`,
        deliveryMode: "poll",
      });
      const peer = await emu.admin.createWorkspace({ name: `peer-${type}`, deliveryMode: "poll" });
      const sender = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: peer.id,
        token: peer.token,
      });
      // Waiting in the workspace's inbox before the app even starts.
      await sender.callPeer(ws.id, `hello from ${type}`);

      const { stdout } = await run(process.execPath, [file], {
        cwd: dir,
        timeout: 30_000,
        env: {
          ...process.env,
          MOLECULE_URL: emu.url,
          MOLECULE_WORKSPACE_ID: ws.id,
          MOLECULE_WORKSPACE_TOKEN: ws.token,
        },
      });
      const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
      expect(out).toEqual({
        text: `hello from ${type}`,
        routes: ["EchoAgent.reply"],
        workspaceId: ws.id,
      });
      const reply = await waitFor(async () =>
        (await fetchInbound(sender)).find((m) => m.sourceId === ws.id),
      );
      expect(sanitizePeerText(reply.text)).toBe(`echo: hello from ${type}`);
    }, 60_000);
  },
);

it("ships only built files, sources and docs", () => {
  const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
  expect(listing).toContain("package/dist/index.js");
  expect(listing).toContain("package/dist/index.d.ts");
  expect(listing).toContain("package/README.md");
  expect(listing.some((f) => f.includes("/test/"))).toBe(false);
  const manifest = JSON.parse(
    execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }),
  );
  expect(manifest.dependencies["@molecule-ai/agent-core"]).toMatch(/^\^\d/);
});
