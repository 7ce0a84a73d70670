// Issue 49's keep-alive race on a Nest app with push delivery, over real HTTP against the
// emulator: Node's default keep-alive (5 s, closed at 6 s on Node 24) is shorter than the idle of
// the platform proxy's pooled connections (90 s), so a forward every 6 s could land on a
// connection the app was closing (`read ECONNRESET`). The module raises the app's HTTP server
// keep-alive to 95 s: a push 7 s after the last one reuses its connection.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";

@PeerAgent()
@Injectable()
class Reviewer {
  @OnPeerMessage()
  review(msg: InboundMessage): string {
    return `reviewed: ${msg.text}`;
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
});

afterAll(async () => {
  await emu.close();
});

/** Boots the app; its push URL and the bearer the platform signs its pushes with. */
async function boot(
  adapter: ExpressAdapter | FastifyAdapter,
): Promise<{ url: string; bearer: string }> {
  const ws = await emu.admin.createWorkspace({ name: "nest-reviewer" });
  const port = await freePort();
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token,
        delivery: {
          mode: "push",
          path: "/molecule/a2a",
          publicUrl: `http://localhost:${port}/molecule/a2a`,
        },
      }),
    ],
    providers: [Reviewer],
  }).compile();
  app = moduleRef.createNestApplication(adapter, { logger: false });
  await app.listen(port, "127.0.0.1");
  await app.get(MoleculeAgentLifecycle).ready; // registered once the server listens
  return {
    url: app.get(RemoteAgent).pushUrl!,
    bearer: app.get(PlatformClient).files.inboundSecret!,
  };
}

/**
 * Sends a push on `socket` as the platform does (with its bearer) and resolves with the whole
 * answer, or `"closed"`.
 */
async function push(
  socket: ReturnType<typeof connect>,
  url: URL,
  bearer: string,
  text: string,
): Promise<string> {
  if (socket.closed) return "closed";
  const messageId = randomUUID();
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: messageId,
    method: "message/send",
    params: { message: { role: "user", messageId, parts: [{ kind: "text", text }] } },
  });
  let answer = "";
  const onData = (d: Buffer): void => void (answer += d.toString());
  socket.on("data", onData);
  socket.write(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `Authorization: Bearer ${bearer}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  try {
    for (;;) {
      if (answer.includes(`reviewed: ${text}`)) return answer;
      if (socket.closed) return "closed";
      await Promise.race([once(socket, "data"), once(socket, "close")]);
    }
  } finally {
    socket.off("data", onData);
  }
}

it("Express: the app's keep-alive is raised to 95 s, and a push 7 s after the last reuses its connection", async () => {
  const booted = await boot(new ExpressAdapter());
  const url = new URL(booted.url);
  expect((app!.getHttpServer() as Server).keepAliveTimeout).toBe(95_000);
  const socket = connect(Number(url.port), "127.0.0.1");
  socket.on("error", () => undefined);
  await once(socket, "connect");
  expect(await push(socket, url, booted.bearer, "draft 1")).toMatch(/^HTTP\/1\.1 200 /);
  await sleep(7_000); // the proxy's idle between two calls, longer than Node's default 5 s
  expect(await push(socket, url, booted.bearer, "draft 2")).toMatch(/^HTTP\/1\.1 200 /);
  socket.destroy();
}, 60_000);

it("Fastify: the app's keep-alive is raised to 95 s too", async () => {
  await boot(new FastifyAdapter());
  expect((app!.getHttpServer() as Server).keepAliveTimeout).toBe(95_000);
}, 60_000);
