// An official client finding a push agent (issue #48): a RemoteAgent registered by push with the
// emulator serves its card below the path secret, so `createFromUrl(pushUrl)` of @a2a-js/sdk
// (which resolves `.well-known/agent-card.json` against the URL, beside the secret) gets 404 and
// nothing is found at the host root either; the README's one line, the card URL with an empty
// path, works with the 1.x and 0.3 clients. The agent lets clients other than the platform POST
// (`requirePlatformBearer: false`): on a platform that signs its pushes (August 2026) it refuses
// them by default (a2a-multiturn-peers, platform-2026-08).
import { Role, SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { ClientFactory as ClientFactory03 } from "a2a-sdk-03/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";

let emu: Emulator;
let client: PlatformClient;
let agent: RemoteAgent<PlatformClient>;

beforeAll(async () => {
  emu = await startEmulator();
  const ws = await emu.admin.createWorkspace({ name: "discoverable" });
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  agent = new RemoteAgent({
    client,
    store: memoryStore(),
    delivery: { mode: "push", requirePlatformBearer: false },
    agentCard: { name: "discoverable" },
    handler: (msg) => `echo: ${msg.text}`,
    logger: {},
  });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop();
  await client?.close();
  await emu?.close();
});

describe("official client discovery of a push agent", () => {
  it("createFromUrl(pushUrl) finds no card: the card lives below the path secret", async () => {
    const pushUrl = agent.pushUrl!;
    await expect(new ClientFactory().createFromUrl(pushUrl)).rejects.toThrow(/404/);
    const root = await fetch(new URL("/.well-known/agent-card.json", pushUrl));
    expect(root.status).toBe(404);
    await root.body?.cancel();
  });

  it("the card URL with an empty path works (@a2a-js/sdk 1.x, v1.0)", async () => {
    const official = await new ClientFactory().createFromUrl(
      `${agent.pushUrl}/.well-known/agent-card.json`,
      "",
    );
    expect(official.protocolVersion).toBe("1.0");
    const result = await official.sendMessage(
      SendMessageRequest.fromJSON({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
      }),
    );
    expect("role" in result && result.role).toBe(Role.ROLE_AGENT);
    expect("parts" in result && result.parts[0]?.content).toEqual({
      $case: "text",
      value: "echo: hi",
    });
  });

  it("the same line works with the 0.3 ClientFactory", async () => {
    const official = await new ClientFactory03().createFromUrl(
      `${agent.pushUrl}/.well-known/agent-card.json`,
      "",
    );
    const result = await official.sendMessage({
      message: {
        kind: "message",
        messageId: crypto.randomUUID(),
        role: "user",
        parts: [{ kind: "text", text: "hi 0.3" }],
      },
    });
    expect(result.kind === "message" && result.parts[0]).toEqual({
      kind: "text",
      text: "echo: hi 0.3",
    });
  });
});
