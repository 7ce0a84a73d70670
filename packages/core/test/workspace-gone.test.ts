// #79: an agent whose workspace the platform no longer has (the emulator restarted without
// `--state-file`, or the workspace was deleted) is told so at the first 401 and ends at once
// ("removed", naming what to do), instead of saying its workspace "still exists" and retrying for
// `maxUnauthorized` state checks. A 401 for a workspace the platform still shows says it exists.
// Over real HTTP against the emulator, restarted on the same port.
import { afterEach, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";
import { recorder } from "./fixtures/log-lines.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function runningAgent(emu: Emulator, admin?: AdminClient) {
  const ws = admin
    ? await admin
        .createExternalWorkspace({ name: "agent" })
        .then((w) => ({ ...w, token: w.token! }))
    : await emu.admin.createWorkspace({ name: "agent" });
  const { logger, lines } = recorder();
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: ws.id,
    token: ws.token,
    logger,
  });
  const agent = new RemoteAgent({
    client,
    logger,
    delivery: "poll",
    handler: () => undefined,
    heartbeatIntervalMs: 50,
    stateIntervalMs: 50,
  });
  cleanups.push(
    () => agent.stop(),
    () => client.close(),
  );
  await agent.start();
  return { ws, agent, lines };
}

it("the emulator restarted without --state-file: the first 401 ends the agent as removed, saying the workspace does not exist", async () => {
  const first = await startEmulator();
  const { ws, agent, lines } = await runningAgent(first);
  const port = Number(new URL(first.url).port);
  await first.close();
  const second = await startEmulator({ port }); // a fresh platform: no such workspace
  cleanups.unshift(() => second.close());
  const done = await agent.done;
  expect(done.reason).toBe("removed");
  expect((done.error as Error).message).toBe(
    `the platform rejected workspace ${ws.id}'s token (401) and the workspace does not exist on this platform (it was deleted, or the platform was reset, such as an emulator restarted without --state-file): create a workspace and start the agent with its MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN`,
  );
  const log = lines.join("\n");
  expect(log).not.toContain("still exists");
  expect(log).not.toMatch(/rejected \(401\)/); // no second 401 was waited for
  expect(log).not.toContain(ws.token);
});

it("a revoked token of a workspace the platform still shows: the line says it still exists", async () => {
  const emu = await startEmulator();
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  const { ws, agent, lines } = await runningAgent(emu, admin);
  await admin.rotateExternalCredentials(ws.id); // revokes the agent's token
  const done = await agent.done;
  expect(done.reason).toBe("unauthorized");
  const first = lines.find((l) => / rejected: /.test(l))!;
  expect(first).toContain(`workspace ${ws.id}'s token (401) and the workspace still exists`);
});
