// A front in front of a peer (issue #111): an identity-aware proxy whose session expired answers a
// sign-in 302 (with a cookie) or its HTML 401 (`WWW-Authenticate: Bearer`) in front of an A2A peer,
// ours (startA2AServer) and @a2a-js/sdk's. A direct callPeer, a direct stream, and RemoteA2AAgent
// get a typed retryable error naming the front, not the peer; once the front passes through, the
// same calls succeed. A push notification sent through such a front is retried past maxAttempts,
// not dropped, and said once per cause; once the front passes, the webhook takes the state.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentCard, Message } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import { type ErrorFront, errorFront, forwardProxy, rpc } from "@internal/test-utils";
import { SIGN_IN_PAGES, waitFor } from "@internal/test-utils";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";
import { type A2AServer, RemoteA2AAgent, startA2AServer } from "../src/public/a2a.js";

/** The official executor: answers every message with one message, "pong". */
const executor: AgentExecutor = {
  async execute(ctx, bus) {
    bus.publish(
      AgentEvent.message(
        Message.fromJSON({
          messageId: crypto.randomUUID(),
          contextId: ctx.contextId,
          role: "ROLE_AGENT",
          parts: [{ text: "pong" }],
        }),
      ),
    );
    bus.finished();
  },
  async cancelTask() {},
};

/** An @a2a-js/sdk Express server (JSON-RPC 1.0 on /a2a) whose card names `publicUrl()`. */
async function startOfficial(
  publicUrl: () => string,
): Promise<{ origin: string; close(): Promise<void> }> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const card = (): AgentCard =>
    AgentCard.fromJSON({
      name: "official",
      description: "pong",
      version: "1.0.0",
      supportedInterfaces: [
        { url: publicUrl(), protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ],
      capabilities: { streaming: true },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [{ id: "s", name: "s", description: "s", tags: ["s"] }],
    });
  const handler = new DefaultRequestHandler(card(), new InMemoryTaskStore(), executor);
  app.use(
    "/.well-known/agent-card.json",
    agentCardHandler({ agentCardProvider: { getAgentCard: async () => card() } }),
  );
  app.use(
    "/a2a",
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let emu: Emulator;
let caller: PlatformClient;
let ours: A2AServer;
let official: { origin: string; close(): Promise<void> };
/** The front in front of the official server (its card names the front's URL). */
let officialFront: ErrorFront | undefined;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  ours = await startA2AServer({
    agentCard: { name: "ours" },
    streaming: true,
    onMessage: async function* () {
      yield "pong";
    },
  });
  closers.push(() => ours.close());
  official = await startOfficial(() => `${officialFront?.url ?? "http://unset"}/a2a`);
  closers.push(official.close);
});

afterAll(async () => {
  await caller?.close();
  for (const close of closers.toReversed()) await close();
  await emu?.close();
});

/** A front whose sign-in answers are `page`, in front of `peer`; the peer registered behind it. */
async function fronted(
  peer: "ours" | "official",
  page: (typeof SIGN_IN_PAGES)[keyof typeof SIGN_IN_PAGES],
): Promise<{ front: ErrorFront; id: string; url: string }> {
  const target = new URL(peer === "ours" ? ours.url : `${official.origin}/a2a`);
  const front = await errorFront({ upstream: target.origin, page });
  closers.push(() => front.close());
  if (peer === "official") officialFront = front;
  front.failing(true);
  const url = `${front.url}${target.pathname}`;
  const { id } = await emu.admin.createWorkspace({ name: `${peer} behind a front`, url });
  return { front, id, url };
}

/** What every call through the front gets: the front named, retryable, never the peer's refusal. */
function expectFront(err: unknown, status: number, name: string): void {
  expect(err).toMatchObject({ code: "front_refused", retryable: true, status });
  const message = (err as Error).message;
  expect(message).toContain(`from a proxy or gateway in front of ${name}`);
  expect(message).not.toMatch(/refused the request|answered HTTP|peer_error/);
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return await run().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err,
  );
}

async function drain<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe.each(["ours", "official"] as const)("a sign-in front in front of %s", (peer) => {
  it.each(Object.keys(SIGN_IN_PAGES) as Array<keyof typeof SIGN_IN_PAGES>)(
    "%s: a direct call, a direct stream and RemoteA2AAgent name the front; all pass once it does",
    async (name) => {
      const page = SIGN_IN_PAGES[name];
      const { front, id, url } = await fronted(peer, page);
      const call = () => caller.callPeer(id, "ping", { via: "direct", recordDelegation: false });
      expectFront(await failure(call), page.status, "the peer");
      const tasks = caller.peerTasks(id, { via: "direct" });
      expectFront(await failure(() => drain(tasks.stream("ping"))), page.status, "the peer");
      const remote = new RemoteA2AAgent({ url, allowPrivateNetwork: true });
      closers.push(() => remote.close());
      const sent = () => remote.send("ping");
      expectFront(await failure(sent), page.status, "the A2A agent");
      expect(front.paged.length).toBeGreaterThanOrEqual(3);

      front.failing(false);
      const answer = await call();
      expect(answer).toMatchObject({ status: "completed", text: "pong" });
      const events = await drain(tasks.stream("ping"));
      expect(JSON.stringify(events)).toContain("pong");
      expect(await sent()).toMatchObject({ text: "pong" });
    },
  );
});

describe("a forward proxy between the caller and a peer", () => {
  it("its 407 to a direct call is the proxy's (proxy_refused, its schemes' fix), never the peer's", async () => {
    const proxy = await forwardProxy({ offers: ['Basic realm="corp"'] });
    closers.push(() => proxy.close());
    const { id } = await emu.admin.createWorkspace({ name: "ours, direct", url: ours.url });
    const me = await emu.admin.createWorkspace({ name: "caller behind a proxy" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: me.id,
      token: me.token!,
      proxy: proxy.url,
    });
    closers.push(() => client.close());
    const port = new URL(ours.url).port;
    proxy.refusing((line) => line.startsWith("POST ") && line.includes(`:${port}/`));
    const err = await failure(() =>
      client.callPeer(id, "ping", { via: "direct", recordDelegation: false }),
    );
    expect(err).toMatchObject({ code: "proxy_refused", retryable: false, status: 407 });
    expect((err as Error).message).toMatch(
      /refused by the proxy: http:\/\/127\.0\.0\.1:\d+ \(the proxy option\): 407 .*user and password/,
    );
    proxy.refusing(false);
    expect(
      await client.callPeer(id, "ping", { via: "direct", recordDelegation: false }),
    ).toMatchObject({ status: "completed", text: "pong" });
  });
});

describe("a push notification through a sign-in front", () => {
  it.each(Object.keys(SIGN_IN_PAGES) as Array<keyof typeof SIGN_IN_PAGES>)(
    "%s: retried past maxAttempts, not dropped, said once; the webhook takes it once the front passes",
    async (name) => {
      const received: string[] = [];
      const hook = createServer((req, res) => {
        let text = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (text += c));
        req.on("end", () => {
          received.push(text);
          res.end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            hook.closeAllConnections();
            hook.close(() => resolve());
          }),
      );
      const upstream = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
      const front = await errorFront({ upstream, page: SIGN_IN_PAGES[name] });
      closers.push(() => front.close());
      front.failing(true);
      const errors: unknown[] = [];
      const agent = await startA2AServer({
        agentCard: { name: "pushing" },
        pushNotifications: { allowAddresses: "private", retryDelayMs: 1, maxAttempts: 2 },
        onError: (err) => errors.push(err),
        textResult: "task",
        onMessage: () => "done",
      });
      closers.push(() => agent.close());
      await rpc(agent.url, "message/send", {
        message: {
          kind: "message",
          role: "user",
          messageId: crypto.randomUUID(),
          parts: [{ kind: "text", text: "report" }],
        },
        configuration: { pushNotificationConfig: { url: `${front.url}/hook`, token: "tok-1" } },
      });
      // Past maxAttempts (2): the front's answers count no attempt.
      await waitFor(() => front.paged.length >= 4);
      expect(received).toEqual([]);
      front.failing(false);
      await waitFor(() => received.length >= 1);
      expect(JSON.parse(received[0]!)).toMatchObject({ status: { state: "completed" } });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: "front_refused", retryable: true });
      const line = (errors[0] as Error).message;
      expect(line).toContain("from a proxy or gateway in front of the webhook");
      expect(line).not.toMatch(/tok-1|\/hook/);
    },
  );
});
