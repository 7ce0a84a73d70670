// A check registered for a RemoteAgent (`addStartCheck`, what an adapter does when the handler it
// built is wrapped before it reaches the agent) runs at start before any platform call, besides
// the handler's own `checkStart`, each once; a rejection fails start() with it. Over real HTTP
// against the emulator.
import { afterEach, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { MoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";
import type { RemoteAgentOptions } from "../src/index.js";
import { addStartCheck } from "../src/adapters/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function agentWith(handler: RemoteAgentOptions["handler"]) {
  const emu = await startEmulator();
  const ws = await emu.admin.createWorkspace({ name: "agent" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  const agent = new RemoteAgent({ client, handler, logger: {} });
  cleanups.push(
    () => emu.close(),
    () => client.close(),
    () => agent.stop(),
  );
  return { emu, ws, agent };
}

it("a registered check that rejects fails start() with its error, before the workspace is registered", async () => {
  const { emu, ws, agent } = await agentWith(() => undefined);
  const refused = new MoleculeError("set MOLECULE_TEST_KEY, then start again", {
    code: "model_key_missing",
    retryable: false,
  });
  addStartCheck(agent, () => Promise.reject(refused));
  await expect(agent.start()).rejects.toBe(refused);
  expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("awaiting_agent");
});

it("the handler's own checkStart and the registered checks run once each, the same check once", async () => {
  const runs: string[] = [];
  const own = async (): Promise<void> => void runs.push("own");
  const handler = Object.assign(() => undefined, { checkStart: own });
  const { agent } = await agentWith(handler);
  addStartCheck(agent, own); // the same check, registered too (a handler given as is)
  addStartCheck(agent, async () => void runs.push("registered"));
  await agent.start();
  expect(runs).toEqual(["own", "registered"]);
});
