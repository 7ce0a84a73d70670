// createPeerRequestHandler mounted on a real HTTP server registered with the emulator: another
// workspace calls it through the platform proxy and gets the reply; the official @a2a-js/sdk 1.x
// client calls it too, including streaming.
import { Role, SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { generatePathSecret, PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { generateText, simulateReadableStream, streamText } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { rpcRequest } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPeerMessageHandler, createPeerRequestHandler } from "../src/index.js";
import { serve } from "./serve.js";
import type { Served } from "./serve.js";
import { usage } from "./helpers.js";

type CallOptions = MockLanguageModelV4["doGenerateCalls"][number];

/** What the mock model answers: the last user text and how many user turns it saw (history). */
function reply(options: CallOptions): string {
  const users = options.prompt.filter((m) => m.role === "user");
  const last =
    users
      .at(-1)
      ?.content.map((p) => (p.type === "text" ? p.text : ""))
      .join("") ?? "";
  return `You said "${last}" (turn ${users.length})`;
}

let emu: Emulator;
let served: Served;
let caller: PlatformClient;
let support: PlatformClient;
let supportId: string;
let secret: string;
const model = new MockLanguageModelV4({
  doGenerate: async (options) => ({
    content: [{ type: "text", text: reply(options) }],
    finishReason: { unified: "stop", raw: "stop" },
    usage,
    warnings: [],
  }),
  doStream: async (options) => ({
    stream: simulateReadableStream({
      chunks: [
        { type: "text-start", id: "t" },
        ...reply(options)
          .split(" ")
          .map((w, i) => ({ type: "text-delta" as const, id: "t", delta: i === 0 ? w : ` ${w}` })),
        { type: "text-end", id: "t" },
        { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
      ],
    }),
  }),
});

beforeAll(async () => {
  emu = await startEmulator();
  const callerWs = await emu.admin.createWorkspace({ name: "caller" });
  const supportWs = await emu.admin.createWorkspace({ name: "Support" });
  supportId = supportWs.id;
  support = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: supportWs.id,
    token: supportWs.token!,
  });
  caller = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: callerWs.id,
    token: callerWs.token!,
  });
  await caller.register({ agentCard: { name: "caller" } });

  const handler = createPeerMessageHandler(({ messages, abortSignal, stream }) =>
    stream
      ? streamText({ model, messages, abortSignal })
      : generateText({ model, messages, abortSignal }),
  );
  secret = generatePathSecret();
  served = await serve(createPeerRequestHandler({ client: support, handler, pathSecret: secret }));
  await support.register({ url: `${served.origin}/${secret}`, agentCard: { name: "Support" } });
});

afterAll(async () => {
  await caller?.close();
  await support?.close();
  await served?.close();
  await emu?.close();
});

const sayHi = (): string => "hi";

describe("createPeerRequestHandler behind the emulator", () => {
  it("answers a peer through the platform proxy; a contextId sent back keys no history", async () => {
    const first = await caller.callPeer(supportId, "hello");
    expect(first.status).toBe("completed");
    if (first.status === "queued") throw new Error("unexpected queue");
    expect(sanitizePeerText(first.text)).toBe('You said "hello" (turn 1)');
    expect(first.contextId).toBeTruthy();

    // The proxy names no caller, and a contextId a caller sends may be one it learned from
    // another (agents pass a conversation's id on to their peers): it keys no history on push.
    const second = await caller.callPeer(supportId, "and again", { contextId: first.contextId! });
    if (second.status === "queued") throw new Error("unexpected queue");
    expect(sanitizePeerText(second.text)).toBe('You said "and again" (turn 1)');
    // The platform logged both deliveries on the target.
    const rows = emu.activity(supportId).filter((r) => r["method"] === "message/send");
    expect(rows).toHaveLength(2);
  });

  it("is not an open door: a wrong path secret is a 404", async () => {
    const res = await fetch(`${served.origin}/not-the-secret`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message/send", params: {} }),
    });
    expect(res.status).toBe(404);
  });

  it("refuses to build an unguarded endpoint unless told to", () => {
    const handler = sayHi;
    const agentCard = { name: "guarded" };
    for (const pathSecret of [undefined, ""]) {
      expect(() =>
        createPeerRequestHandler({ agentCard, handler, pathSecret } as unknown as Parameters<
          typeof createPeerRequestHandler
        >[0]),
      ).toThrow(/pathSecret` is required/);
    }
    expect(typeof createPeerRequestHandler({ agentCard, handler, pathSecret: false })).toBe(
      "function",
    );
  });

  it("answers a redelivered message (same messageId) once", async () => {
    const calls = model.doGenerateCalls.length;
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: "r1",
      method: "message/send",
      params: {
        message: {
          kind: "message",
          role: "user",
          messageId: "dup-1",
          parts: [{ kind: "text", text: "once" }],
        },
      },
    });
    const post = () =>
      fetch(`${served.origin}/${secret}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).then((r) => r.json());
    const [a, b] = [await post(), await post()];
    expect(a.result.parts[0].text).toBe('You said "once" (turn 1)');
    expect(b.result.parts[0].text).toBe(a.result.parts[0].text);
    expect(model.doGenerateCalls.length).toBe(calls + 1);
  });

  it("the @a2a-js/sdk 1.x client can call it", async () => {
    const client = await new ClientFactory().createFromUrl(
      `${served.origin}/${secret}/.well-known/agent-card.json`,
      "",
    );
    const result = await client.sendMessage(
      SendMessageRequest.fromJSON({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "hi sdk" }] },
      }),
    );
    expect("role" in result && result.role).toBe(Role.ROLE_AGENT);
    expect("parts" in result && result.parts[0]?.content).toEqual({
      $case: "text",
      value: 'You said "hi sdk" (turn 1)',
    });
  });

  it("streams the answer to a SendStreamingMessage caller", async () => {
    const client = await new ClientFactory().createFromUrl(
      `${served.origin}/${secret}/.well-known/agent-card.json`,
      "",
    );
    const chunks: string[] = [];
    for await (const event of client.sendMessageStream(
      SendMessageRequest.fromJSON({
        message: {
          messageId: crypto.randomUUID(),
          role: "ROLE_USER",
          parts: [{ text: "stream please" }],
        },
      }),
    )) {
      if (event.payload?.$case === "artifactUpdate") {
        const c = event.payload.value.artifact?.parts[0]?.content;
        if (c?.$case === "text") chunks.push(c.value);
      }
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe('You said "stream please" (turn 1)');
    expect(model.doStreamCalls.length).toBeGreaterThan(0);
  });

  it("aborts the handler when the caller goes away", async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted!: () => void;
    const sawAbort = new Promise<void>((r) => (aborted = r));
    const handle = createPeerRequestHandler({
      agentCard: { name: "slow" },
      pathSecret: false,
      handler: createPeerMessageHandler(async ({ abortSignal }) => {
        started();
        await new Promise<void>((resolve) =>
          abortSignal?.addEventListener("abort", () => resolve(), { once: true }),
        );
        aborted();
        return "never sent";
      }),
    });
    const slow = await serve(handle);
    try {
      const controller = new AbortController();
      const message = { kind: "message", role: "user", messageId: "slow-1" };
      const call = fetch(
        rpcRequest(`${slow.origin}/`, "message/send", {
          message: { ...message, parts: [{ kind: "text", text: "wait" }] },
        }),
        { signal: controller.signal },
      );
      await running;
      controller.abort();
      await expect(call).rejects.toMatchObject({ name: "AbortError" });
      await sawAbort; // resolves only if the handler's abortSignal fired
    } finally {
      await slow.close();
    }
  });
});
