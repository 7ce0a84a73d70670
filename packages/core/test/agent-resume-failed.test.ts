// A resumed external workspace on a SaaS tenant: the platform provisions it, and the provision
// fails (`MISSING_MODEL`, handlers/workspace_restart.go at enteros-core aeec8e47), so the agent's
// next state check reads `failed` with its URL blank. Only a registration brings it back: the
// agent registers again, as it does for `awaiting_agent` and `provisioning`.
import { afterEach, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { WorkspaceState } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** A client whose next state read says `failed` (once armed), counting registrations. */
class FailedOnce extends PlatformClient {
  armed = false;
  registers = 0;
  override async register(...args: Parameters<PlatformClient["register"]>) {
    this.registers++;
    return await super.register(...args);
  }
  override async getState(
    ...args: Parameters<PlatformClient["getState"]>
  ): Promise<WorkspaceState> {
    const state = await super.getState(...args);
    if (!this.armed) return state;
    this.armed = false;
    return { ...state, status: "failed" as WorkspaceState["status"] };
  }
}

it("a state check that reads `failed` (a tenant's failed provision after a resume) registers the agent again", async () => {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const w = await emu.admin.createWorkspace({ name: "external", deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new FailedOnce({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  const agent = new RemoteAgent({ client, handler: () => "ok", stateIntervalMs: 200 });
  cleanups.push(() => agent.stop());
  await agent.start();
  const before = client.registers;
  expect(before).toBe(1);
  client.armed = true;
  await waitFor(() => client.registers === before + 1, { timeoutMs: 20_000 });
});
