// createPeerRequestHandler(...).handleNode on plain node:http and in Express 5, registered with the
// emulator: a peer calls it through the platform proxy; the official @a2a-js/sdk client streams
// from it; a model that only implements doGenerate still answers a streaming caller.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SendMessageRequest, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { generatePathSecret, sanitizePeerText } from "@molecule-ai/agent-core";
import type { PlatformClient } from "@molecule-ai/agent-core";
import express from "express";
import { ToolLoopAgent } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPeerMessageHandler, createPeerRequestHandler } from "../src/index.js";
import type { PeerRequestHandler } from "../src/index.js";
import { echoModel, startTestPlatform } from "../src/testing.js";
import type { TestPlatform } from "../src/testing.js";

let platform: TestPlatform;
let caller: PlatformClient;

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // A host name: the platform refuses IP-literal agent URLs.
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** One workspace answering with `model` through `mount`, registered with the emulator. */
async function startAgent(
  name: string,
  model: ReturnType<typeof echoModel>,
  mount: (handle: PeerRequestHandler, basePath: string) => http.Server,
): Promise<{ id: string; url: string; close: () => Promise<void> }> {
  const ws = await platform.addWorkspace(name);
  const client = ws.client();
  const pathSecret = generatePathSecret();
  const handle = createPeerRequestHandler({
    client,
    handler: createPeerMessageHandler(new ToolLoopAgent({ model })),
    basePath: "/molecule",
    pathSecret,
  });
  const server = mount(handle, "/molecule");
  const url = `${await listen(server)}/molecule/${pathSecret}`;
  await client.register({ url, agentCard: { name } });
  return {
    id: ws.id,
    url,
    close: async () => {
      await handle.close();
      await closeServer(server);
    },
  };
}

const plainNode = (handle: PeerRequestHandler) =>
  http.createServer((req, res) => void handle.handleNode(req, res));

const express5 = (handle: PeerRequestHandler, basePath: string) => {
  const app = express();
  app.get("/health", (_req, res) => void res.send("ok"));
  // A route (not app.use) keeps req.url whole, so the handler's basePath matches.
  app.all(
    `${basePath}/*rest`,
    express.json(),
    (req, res) => void handle.handleNode(req, res, req.body),
  );
  return http.createServer(app);
};

async function streamFrom(
  url: string,
  text: string,
): Promise<{ chunks: string[]; states: (TaskState | undefined)[] }> {
  const client = await new ClientFactory().createFromUrl(`${url}/.well-known/agent-card.json`, "");
  const chunks: string[] = [];
  const states: (TaskState | undefined)[] = [];
  for await (const event of client.sendMessageStream(
    SendMessageRequest.fromJSON({
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] },
    }),
  )) {
    const payload = event.payload;
    if (payload?.$case === "artifactUpdate") {
      const c = payload.value.artifact?.parts[0]?.content;
      if (c?.$case === "text") chunks.push(c.value);
    } else if (payload?.$case === "statusUpdate") {
      states.push(payload.value.status?.state);
    }
  }
  return { chunks, states };
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: "caller" });
  caller = platform.workspace.client();
  await caller.register({ agentCard: { name: "caller" } });
});

afterAll(async () => {
  await platform?.close();
});

describe.each([
  ["plain node:http", plainNode],
  ["Express 5 with express.json()", express5],
] as const)("handleNode on %s", (label, mount) => {
  it("answers a peer through the platform proxy and streams to an A2A client", async () => {
    const model = echoModel({ prefix: `${label} heard: ` });
    const agent = await startAgent(`support-${label}`, model, mount);
    try {
      const first = await caller.callPeer(agent.id, "hello");
      if (first.status !== "completed") throw new Error(`unexpected ${first.status}`);
      expect(sanitizePeerText(first.text)).toBe(`${label} heard: hello`);
      expect(model.doGenerateCalls).toHaveLength(1);

      const { chunks } = await streamFrom(agent.url, "stream this please");
      expect(chunks.length).toBeGreaterThan(1); // word by word, not one final blob
      expect(chunks.join("")).toBe(`${label} heard: stream this please`);
      expect(model.doStreamCalls).toHaveLength(1);

      const wrong = await fetch(agent.url.replace(/\/[^/]+$/, "/not-the-secret"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(wrong.status).toBe(404);
    } finally {
      await agent.close();
    }
  });
});

describe("a model that only implements doGenerate", () => {
  it("answers a message/stream caller in one piece instead of failing", async () => {
    const model = echoModel({ prefix: "no stream: ", generateOnly: true });
    const agent = await startAgent("generate-only", model, plainNode);
    try {
      const { chunks, states } = await streamFrom(agent.url, "are you there?");
      // the one chunk, then the empty closing chunk (lastChunk: true) every streamed artifact ends with
      expect(chunks).toEqual(["no stream: are you there?", ""]);
      expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(model.doStreamCalls).toHaveLength(1); // tried to stream first
      expect(model.doGenerateCalls).toHaveLength(1); // then answered without streaming
    } finally {
      await agent.close();
    }
  });
});
