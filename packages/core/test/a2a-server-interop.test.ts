// Interop: the official @a2a-js/sdk clients (1.x and 0.3.x) against our push server.
import { Role, SendMessageRequest, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { A2AClient as A2AClient03, ClientFactory as ClientFactory03 } from "a2a-sdk-03/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2AServer, type A2AMessage, type A2AServer } from "../src/public/a2a.js";

function textOf(message: A2AMessage): string {
  return message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
}

let server: A2AServer;
let streamServer: A2AServer;
const seen: A2AMessage[] = [];

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: { name: "echo", description: "echoes" },
    onMessage: (message) => {
      seen.push(message);
      return `echo: ${textOf(message)}`;
    },
  });
  streamServer = await startA2AServer({
    agentCard: { name: "streamer" },
    streaming: true,
    onMessage: async function* (message) {
      for (const word of textOf(message).split(" ")) yield `${word} `;
    },
  });
});

afterAll(async () => {
  await server.close();
  await streamServer.close();
});

function v1Request(text: string): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] },
  });
}

describe("@a2a-js/sdk 1.x client", () => {
  it("discovers the card, picks the 1.0 interface and gets a valid Message", async () => {
    const client = await new ClientFactory().createFromUrl(server.cardUrl, "");
    expect(client.protocolVersion).toBe("1.0");
    const result = await client.sendMessage(v1Request("hello v1"));
    expect("role" in result && result.role).toBe(Role.ROLE_AGENT);
    const parts = "parts" in result ? result.parts : [];
    expect(parts[0]?.content).toEqual({ $case: "text", value: "echo: hello v1" });
    const last = seen.at(-1)!;
    expect(last.role).toBe("user");
    expect(last.parts).toEqual([{ kind: "text", text: "hello v1" }]);
  });

  it("resolves the card from the endpoint base URL with a trailing slash", async () => {
    const client = await new ClientFactory().createFromUrl(`${server.url}/`);
    const result = await client.sendMessage(v1Request("slash"));
    expect("parts" in result && result.parts[0]?.content?.value).toBe("echo: slash");
  });

  it("streams text chunks over SendStreamingMessage and completes the task", async () => {
    const client = await new ClientFactory().createFromUrl(streamServer.cardUrl, "");
    const cases: string[] = [];
    let text = "";
    let finalState: TaskState | undefined;
    let taskId = "";
    for await (const event of client.sendMessageStream(v1Request("a b c"))) {
      cases.push(event.payload?.$case ?? "none");
      if (event.payload?.$case === "task") taskId = event.payload.value.id;
      if (event.payload?.$case === "artifactUpdate") {
        const c = event.payload.value.artifact?.parts[0]?.content;
        if (c?.$case === "text") text += c.value;
      }
      if (event.payload?.$case === "statusUpdate") finalState = event.payload.value.status?.state;
    }
    expect(cases[0]).toBe("task");
    // three chunks and the empty closing one (lastChunk: true)
    expect(cases.filter((c) => c === "artifactUpdate")).toHaveLength(4);
    expect(text).toBe("a b c ");
    expect(finalState).toBe(TaskState.TASK_STATE_COMPLETED);
    const task = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.artifacts[0]?.parts[0]?.content).toEqual({ $case: "text", value: "a b c " });
  });

  it("getTask on an unknown id raises the TaskNotFound error", async () => {
    const client = await new ClientFactory().createFromUrl(server.cardUrl, "");
    await expect(
      client.getTask({ tenant: "", id: "nope", historyLength: undefined }),
    ).rejects.toThrow(/not found/i);
  });
});

describe("@a2a-js/sdk 0.3.x client", () => {
  it("A2AClient.fromCardUrl -> sendMessage returns a JSON-RPC result with a v0.3 Message", async () => {
    const client = await A2AClient03.fromCardUrl(server.cardUrl);
    const response = await client.sendMessage({
      message: {
        kind: "message",
        messageId: crypto.randomUUID(),
        role: "user",
        parts: [{ kind: "text", text: "hello 0.3" }],
      },
    });
    expect("result" in response).toBe(true);
    if (!("result" in response)) return;
    const result = response.result;
    expect(result.kind).toBe("message");
    if (result.kind !== "message") return;
    expect(result.role).toBe("agent");
    expect(result.parts).toEqual([{ kind: "text", text: "echo: hello 0.3" }]);
    expect(typeof result.messageId).toBe("string");
  });

  it("ClientFactory (0.3) uses the card's top-level url", async () => {
    const client = await new ClientFactory03().createFromUrl(server.cardUrl, "");
    const result = await client.sendMessage({
      message: {
        kind: "message",
        messageId: crypto.randomUUID(),
        role: "user",
        parts: [{ kind: "text", text: "factory" }],
      },
    });
    expect(result.kind).toBe("message");
    expect(result.kind === "message" && result.parts[0]).toEqual({
      kind: "text",
      text: "echo: factory",
    });
  });

  it("streams message/stream events with kind and final", async () => {
    const client = await A2AClient03.fromCardUrl(streamServer.cardUrl);
    const kinds: string[] = [];
    let text = "";
    let final = false;
    let finalState = "";
    for await (const event of client.sendMessageStream({
      message: {
        kind: "message",
        messageId: crypto.randomUUID(),
        role: "user",
        parts: [{ kind: "text", text: "x y" }],
      },
    })) {
      kinds.push(event.kind);
      if (event.kind === "artifact-update") {
        const part = event.artifact.parts[0];
        if (part?.kind === "text") text += part.text;
      }
      if (event.kind === "status-update") {
        final = event.final;
        finalState = event.status.state;
      }
    }
    expect(kinds).toEqual([
      "task",
      "artifact-update",
      "artifact-update",
      "artifact-update", // the empty closing chunk (lastChunk: true)
      "status-update",
    ]);
    expect(text).toBe("x y ");
    expect(final).toBe(true);
    expect(finalState).toBe("completed");
  });
});
