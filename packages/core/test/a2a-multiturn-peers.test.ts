// The caller side of a multi-turn task, over real HTTP against the emulator: `client.callPeer`
// to a peer whose handler asks a question (`inputRequired`) returns `input-required` with the
// question and the task's ids; calling again with those ids answers it in the same task, which
// completes; through the platform's proxy and directly to the peer's URL. The peer tools' step
// (`callPeerStep`) keeps the same ids for a model or a graph to answer with. A public agent
// (`pathSecret: false`) on a platform that signs its pushes serves outside clients only with
// `requirePlatformBearer: false` too.
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientFactory } from "@a2a-js/sdk/client";
import { SendMessageRequest } from "@a2a-js/sdk";
import { MemoryTokenStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { callPeerStep, runPeerTool, stepIds } from "../src/peer-tools/index.js";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";

let emu: Emulator;
let peer: A2AServer;
let client: PlatformClient;
let peerId: string;
const seen: Array<{ taskId: string | undefined; history: number }> = [];

beforeAll(async () => {
  emu = await startEmulator();
  peer = await startA2AServer({
    agentCard: { name: "weather" },
    onMessage: (message, ctx) => {
      seen.push({ taskId: ctx.taskId, history: ctx.history.length });
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      return ctx.history.length === 0 ? inputRequired(ctx, "Which city?") : `Sunny in ${text}`;
    },
  });
  const self = await emu.admin.createWorkspace({ name: "caller" });
  peerId = (await emu.admin.createWorkspace({ name: "weather", url: peer.url })).id;
  client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: self.id,
    tokenStore: new MemoryTokenStore(self.token as string),
  });
});

afterAll(async () => {
  await client.close();
  await peer.close();
  await emu.close();
});

describe("callPeer holds a peer's multi-turn task", () => {
  for (const via of ["proxy", "direct"] as const) {
    it(`via ${via}: input-required with the question, answered in the same task`, async () => {
      const first = await client.callPeer(peerId, "What is the weather?", { via });
      expect(first.status).toBe("input-required");
      if (first.status !== "input-required") return;
      expect(first.text).toContain("Which city?");
      expect(first.taskId).toBeTruthy();
      const done = await client.callPeer(peerId, "Paris", {
        via,
        taskId: first.taskId!,
        ...(first.contextId ? { contextId: first.contextId } : {}),
      });
      expect(done.status).toBe("completed");
      if (done.status !== "completed") return;
      expect(done.text).toContain("Sunny in Paris");
      expect(seen.at(-1)).toEqual({ taskId: first.taskId, history: 2 });
    });
  }

  it("the peer tools' step carries the ids that answer the question", async () => {
    const ref = { id: peerId, name: "weather" };
    const step = await callPeerStep(client, ref, "What is the weather?");
    expect(step.status).toBe("input-required");
    expect(step.text).toContain("Which city?");
    const next = await callPeerStep(client, ref, "Oslo", stepIds(step));
    expect(next.status).toBe("completed");
    expect(next.text).toContain("Sunny in Oslo");
    expect(next.taskId).toBe(step.taskId);
  });

  it("a peer tool shows the question with the taskId that answers it, and answers in the task", async () => {
    const ref = { id: peerId, name: "weather" };
    const ask = await runPeerTool(client, ref, { message: "What is the weather?" });
    if (!ask.ok) throw new Error(ask.text);
    expect(ask.result.status).toBe("input-required");
    const taskId = ask.result.status === "input-required" ? ask.result.taskId! : "";
    expect(ask.text).toContain("Which city?");
    expect(ask.text).toContain(`taskId "${taskId}"`);
    const done = await runPeerTool(client, ref, { message: "Lima", taskId });
    if (!done.ok) throw new Error(done.text);
    expect(done.result.status).toBe("completed");
    expect(done.text).toContain("Sunny in Lima");
    expect(seen.at(-1)).toEqual({ taskId, history: 2 });
  });
});

/** A push agent served and registered without the capability segment, with `delivery`. */
async function publicAgent(
  delivery: { requirePlatformBearer?: boolean },
  check: (url: string, id: string) => Promise<void>,
): Promise<void> {
  const ws = await emu.admin.createWorkspace({ name: "public-agent" });
  const own = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: ws.id,
    tokenStore: new MemoryTokenStore(ws.token as string),
  });
  const agent = new RemoteAgent({
    client: own,
    logger: {},
    delivery: { mode: "push", port: 0, pathSecret: false, ...delivery },
    handler: (msg) => `public: ${msg.text}`,
  });
  try {
    await agent.start();
    const url = agent.pushUrl!;
    expect(new URL(url).pathname).toBe("/"); // no capability segment
    expect(String((await emu.admin.getWorkspace(ws.id))["url"])).toBe(url);
    await check(url, ws.id);
  } finally {
    await agent.stop();
    await own.close();
  }
}

const hi = () =>
  SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
  });

describe("a public A2A agent (pathSecret: false)", () => {
  // The platform signs its pushes (August 2026): by default only a POST with its bearer is served,
  // whatever the path (the bearer is then the only credential: the URL is the host's). The
  // platform's own Python SDK fails closed the same way.
  it("without the secret, the platform's proxy still calls it, but an outside A2A client is refused (401)", async () => {
    await publicAgent({}, async (url, id) => {
      const viaPlatform = await client.callPeer(id, "hi", { via: "proxy" });
      expect(viaPlatform.status).toBe("completed");
      expect(viaPlatform.status === "completed" && viaPlatform.text).toContain("public: hi");
      const a2a = await new ClientFactory().createFromUrl(url); // the card is served to anyone
      await expect(a2a.sendMessage(hi())).rejects.toThrow(/401/);
    });
  });

  it("with requirePlatformBearer: false too, any A2A client can call it", async () => {
    await publicAgent({ requirePlatformBearer: false }, async (url) => {
      const a2a = await new ClientFactory().createFromUrl(url);
      const answer = await a2a.sendMessage(hi());
      expect("parts" in answer && answer.parts[0]?.content?.value).toBe("public: hi");
    });
  });
});
