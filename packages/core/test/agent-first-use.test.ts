// An agent creates its push pipeline, dispatcher and reply outbox at their first use (a fleet of
// poll or heartbeat-only agents holds none of them). These tests take each first use over real
// HTTP: the first pushed message and its resend (the push de-duplication window), the first push
// to a poll agent through createPushHandler, and a heartbeat-only agent that never handles one.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { rpc } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { platformRpc } from "./fixtures/platform-rpc.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

function userMessage(text: string, messageId: string): Record<string, unknown> {
  return { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] };
}

/** The answer text of a blocking `message/send` result (a message or a completed task). */
function answerText(result: Record<string, unknown> | undefined): string | undefined {
  const parts = (result?.["parts"] ??
    (result?.["status"] as { message?: { parts?: unknown } } | undefined)?.message?.parts ??
    (result?.["artifacts"] as Array<{ parts?: unknown }> | undefined)?.[0]?.parts) as
    | Array<{ text?: string }>
    | undefined;
  return parts?.map((p) => p.text ?? "").join("");
}

async function workspaceClient(compat: "latest" | "2026-04"): Promise<PlatformClient> {
  const emu = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "first-use" });
  const token = ws.token ?? (await emu.admin.createToken(ws.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token });
  cleanups.push(() => client.close());
  return client;
}

describe("structures created at their first use", () => {
  it("push: the first message runs the handler; its resend gets the same answer, not a second run", async () => {
    const client = await workspaceClient("latest");
    const runs: string[] = [];
    const agent = new RemoteAgent({
      client,
      delivery: { mode: "push", host: "127.0.0.1", port: 0 },
      logger: {},
      handler: (m) => {
        runs.push(m.messageId ?? "?");
        return `answer ${runs.length}: ${m.text}`;
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const mid = randomUUID();
    // Pushed as the platform does (with its bearer, which an August-2026 platform sends).
    const first = await platformRpc(agent, "message/send", { message: userMessage("hi", mid) });
    const resend = await platformRpc(agent, "message/send", { message: userMessage("hi", mid) });
    expect(answerText(first.result)).toBe("answer 1: hi");
    expect(answerText(resend.result)).toBe("answer 1: hi");
    expect(runs).toEqual([mid]);
    const other = await platformRpc(agent, "message/send", {
      message: userMessage("again", randomUUID()),
    });
    expect(answerText(other.result)).toBe("answer 2: again");
  });

  it("poll: the first push through createPushHandler is handled and de-duplicated", async () => {
    const client = await workspaceClient("latest");
    const runs: string[] = [];
    const agent = new RemoteAgent({
      client,
      logger: {},
      handler: (m) => {
        runs.push(m.messageId ?? "?");
        return `pushed: ${m.text}`;
      },
    });
    cleanups.push(() => agent.stop());
    const a2a = agent.createPushHandler({ basePath: "/a2a", pathSecret: false });
    const server = createServer((req, res) => void a2a.handleNode(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    await agent.start();
    expect(agent.delivery).toBe("poll");
    expect(agent.activeTasks).toBe(0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a2a`;
    const mid = randomUUID();
    const first = await rpc(url, "message/send", { message: userMessage("x", mid) });
    const resend = await rpc(url, "message/send", { message: userMessage("x", mid) });
    expect(answerText(first.result)).toBe("pushed: x");
    expect(answerText(resend.result)).toBe("pushed: x");
    expect(runs).toEqual([mid]);
  });

  it('"none": heartbeats and stops cleanly with nothing to dispatch, and refuses awaited calls', async () => {
    const client = await workspaceClient("latest");
    const events: string[] = [];
    const agent = new RemoteAgent({
      client,
      delivery: "none",
      logger: {},
      handler: () => "unused",
      onEvent: (e) => void events.push(e.type),
    });
    await agent.start();
    expect([agent.delivery, agent.activeTasks, agent.pendingReplies]).toEqual(["none", 0, 0]);
    await expect(agent.flushReplies(10)).resolves.toBe(true);
    await expect(agent.callPeer(randomUUID(), "hi", { awaitReply: true })).rejects.toThrow(
      /delivery is "none"/,
    );
    await agent.stop();
    expect(await agent.done).toEqual({ reason: "stopped" });
    expect(events).toEqual(["deliveryChosen", "connected", "stopping", "stopped"]);
  });
});
