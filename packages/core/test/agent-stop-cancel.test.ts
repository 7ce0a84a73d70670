// stop() is prompt while a periodic platform call (state check, heartbeat) waits out the client's
// retry backoff against a failing platform: the agent's stop signal cancels the call.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** Resolves when `p` does, or rejects after `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("RemoteAgent.stop() cancels periodic platform calls", () => {
  it("stop() resolves promptly while a state check is in its retry backoff", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "agent" });
    const logged: string[] = [];
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
      logger: { debug: (msg) => void logged.push(msg) },
    });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({ client, handler: () => undefined, stateIntervalMs: 20 });
    cleanups.push(() => agent.stop());
    await agent.start();
    // A dead dispatcher: every state GET 503s and asks for 30 s before the retry.
    emu.injectFault({
      path: "/workspaces/:id/state",
      status: 503,
      headers: { "retry-after": "30" },
      body: { error: "dispatcher unavailable" },
      count: 1_000,
    });
    const retrying = `GET /workspaces/${ws.id}/state -> 503; retry 1/`;
    await waitFor(() => logged.some((m) => m.startsWith(retrying)));
    await within(agent.stop(), 2_000); // the old code waited out the 30 s
    expect((await agent.done).reason).toBe("stopped");
  });

  it("stop() resolves promptly while a heartbeat hangs on a stalled platform", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "agent" });
    let heartbeats = 0;
    let afterOne: (() => void) | undefined;
    class CountingClient extends PlatformClient {
      override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>): Promise<void> {
        heartbeats++;
        await super.heartbeat(...args);
        afterOne?.();
      }
    }
    const client = new CountingClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
      timeoutMs: 60_000,
    });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({ client, handler: () => undefined, heartbeatIntervalMs: 20 });
    cleanups.push(() => agent.stop());
    await agent.start();
    // The fault goes in as a heartbeat ends, so none is in flight (the loop never overlaps itself):
    // the next one, not one sent before the fault, is the one that hangs.
    let before = 0;
    await new Promise<void>((resolve) => {
      afterOne = () => {
        afterOne = undefined;
        emu.injectFault({ path: "/registry/heartbeat", delayMs: 30_000, count: 1_000 });
        before = heartbeats;
        resolve();
      };
    });
    await waitFor(() => heartbeats > before); // this one hangs for 30 s
    await within(agent.stop(), 2_000);
    expect((await agent.done).reason).toBe("stopped");
  });
});
