// Issue 57, files, in a real Nest application (Express and Fastify) against the emulator: a
// canvas upload reaches an `@OnPeerMessage()` method as its third argument with poll delivery and
// with push delivery (the platform forwards the upload to the module's push route, below the
// path secret), and `MoleculeCanvas.send` gets a file to the canvas user in one call.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import type { HandlerContext, InboundMessage, PlatformClient } from "@molecule-ai/agent-core";
import type { InboundFile } from "@molecule-ai/agent-core/files";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { canvasDownload, canvasSendFiles, freePort, waitFor } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  MoleculeCanvas,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import type { MoleculeAgentModuleForRootOptions } from "../src/index.js";

const got: { text: string; files: { name: string; mediaType: string; text: string }[] }[] = [];

@PeerAgent()
@Injectable()
class FilesAgent {
  @OnPeerMessage()
  async answer(
    msg: InboundMessage,
    _ctx: HandlerContext<PlatformClient>,
    files: readonly InboundFile[],
  ): Promise<string> {
    const read = [];
    for (const f of files)
      read.push({ name: f.name, mediaType: f.mediaType, text: await f.text() });
    got.push({ text: msg.text, files: read });
    return `got ${files.length}`;
  }
}

let emu: Emulator;
let app: INestApplication | undefined;
beforeAll(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  got.length = 0;
});
afterAll(async () => {
  await emu.close();
});

const adapters = [
  ["Express", () => new ExpressAdapter()],
  ["Fastify", () => new FastifyAdapter()],
] as const;

async function boot(
  adapter: (typeof adapters)[number][1],
  options: MoleculeAgentModuleForRootOptions,
  port?: number,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [MoleculeAgentModule.forRoot(options)],
    providers: [FilesAgent],
  }).compile();
  const nest = moduleRef.createNestApplication(adapter(), { logger: false });
  app = nest;
  if (port === undefined) await nest.init();
  else await nest.listen(port, "127.0.0.1");
  await nest.get(MoleculeAgentLifecycle).ready; // push: registered once the server listens
  return nest;
}

describe.each(adapters)("on the %s adapter", (_name, adapter) => {
  it("poll: a canvas upload reaches the method's files argument", async () => {
    const ws = await emu.admin.createWorkspace({ name: "nest-files-poll" });
    await boot(adapter, {
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
      delivery: { mode: "poll", intervalMs: 20 },
    });
    await canvasSendFiles(emu.url, emu.adminToken, ws.id, "here", [
      { name: "a b.txt", data: "alpha", type: "text/plain" },
    ]);
    await waitFor(() => got.length === 1, { timeoutMs: 15_000 });
    expect(got).toEqual([
      { text: "here", files: [{ name: "a_b.txt", mediaType: "text/plain", text: "alpha" }] },
    ]);
  });

  it("push: the platform forwards the upload to the module's route, and the method gets the file", async () => {
    const ws = await emu.admin.createWorkspace({ name: "nest-files-push" });
    const port = await freePort();
    await boot(
      adapter,
      {
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token,
        delivery: {
          mode: "push",
          path: "/molecule/a2a",
          publicUrl: `http://localhost:${port}/molecule/a2a`,
        },
      },
      port,
    );
    const { uploaded, answer } = await canvasSendFiles(emu.url, emu.adminToken, ws.id, "pushed", [
      { name: "b.md", data: "# beta", type: "text/markdown" },
    ]);
    expect(uploaded[0]!.uri).toMatch(
      /^workspace:\/workspace\/\.molecule\/chat-uploads\/[0-9a-f]{32}-b\.md$/,
    );
    expect(JSON.stringify(answer)).toContain("got 1");
    expect(got).toEqual([
      { text: "pushed", files: [{ name: "b.md", mediaType: "text/markdown", text: "# beta" }] },
    ]);
    // The canvas user downloads it back through the platform, from the module's file-read route.
    const back = await canvasDownload(emu.url, emu.adminToken, ws.id, uploaded[0]!.uri);
    expect([back.status, new TextDecoder().decode(back.bytes)]).toEqual([200, "# beta"]);
    // Without the platform's bearer the route refuses.
    const url = `${String((await emu.admin.getWorkspace(ws.id))["url"])}/internal/chat/uploads/ingest`;
    const refused = await fetch(url.replace("localhost", "127.0.0.1"), {
      method: "POST",
      headers: { Authorization: "Bearer nope" },
      body: new FormData(),
    });
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
  });
});

it("MoleculeCanvas.send gets a file to the canvas user in one call", async () => {
  const ws = await emu.admin.createWorkspace({ name: "nest-canvas" });
  const nest = await boot(adapters[0][1], {
    platformUrl: emu.url,
    workspaceId: ws.id,
    token: ws.token,
    delivery: { mode: "poll", intervalMs: 20 },
  });
  await nest.get(MoleculeCanvas).send("the log", [{ name: "run.log", data: "ok\n" }]);
  const row = emu.activity(ws.id).find((r) => r["method"] === "notify")!;
  const [part] = (row["response_body"] as { parts: { file: { uri: string; name: string } }[] })
    .parts;
  expect(part!.file.name).toBe("run.log");
  const back = await canvasDownload(emu.url, emu.adminToken, ws.id, part!.file.uri);
  expect(new TextDecoder().decode(back.bytes)).toBe("ok\n");
});
