// PushDeliveryOptions.registerWhen: the start-up checks run, then the registration waits for the
// promise it returns (the host's server listening), so the platform lists the workspace online
// only then; stop() aborts the wait and start() rejects with agent_stopped.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { generatePathSecret, PlatformClient, RemoteAgent } from "../src/index.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

async function pushAgent(registerWhen: (signal: AbortSignal) => Promise<void>) {
  const ws = await emu.admin.createWorkspace({ name: "register-when" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  const agent = new RemoteAgent({
    client,
    handler: () => "ok",
    delivery: {
      mode: "push",
      server: false,
      publicUrl: "http://localhost:9/hooks",
      pathSecret: generatePathSecret(),
      registerWhen,
    },
  });
  return { agent, client, id: ws.id };
}

it("registers only once the promise resolves; the state check runs before", async () => {
  let reached!: () => void;
  const waiting = new Promise<void>((r) => (reached = r));
  let listen!: () => void;
  const { agent, client, id } = await pushAgent(() => {
    reached();
    return new Promise((r) => (listen = r));
  });
  const started = agent.start();
  await waiting; // the checks passed; nothing registered yet
  expect((await emu.admin.getWorkspace(id))["status"]).not.toBe("online");
  expect(agent.pushUrl).toBeUndefined();
  listen();
  await started;
  expect((await emu.admin.getWorkspace(id))["status"]).toBe("online");
  expect(agent.pushUrl).toMatch(/^http:\/\/localhost:9\/hooks\//);
  await agent.stop();
  await client.close();
});

it("stop() during the wait aborts it: start() rejects with agent_stopped, nothing registered", async () => {
  let reached!: () => void;
  const waiting = new Promise<void>((r) => (reached = r));
  const { agent, client, id } = await pushAgent(
    (signal) =>
      new Promise((_resolve, reject) => {
        reached();
        signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      }),
  );
  const started = agent.start();
  await waiting;
  await agent.stop();
  await expect(started).rejects.toMatchObject({ code: "agent_stopped" });
  expect((await emu.admin.getWorkspace(id))["status"]).not.toBe("online");
  await client.close();
});
