// A failed event-stream probe at start is reported (logger warning plus a typed process warning)
// and the agent still receives messages, on the poll interval.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { EventWakeupsUnavailableWarning, PlatformClient, RemoteAgent } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function run(faultProbe: boolean): Promise<{
  warned: string[];
  emitted: EventWakeupsUnavailableWarning[];
  handled: string[];
}> {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const a = await emu.admin.createWorkspace({ name: "agent" });
  const p = await emu.admin.createWorkspace({ name: "peer" });
  const emitted: EventWakeupsUnavailableWarning[] = [];
  const onWarning = (w: Error): void => {
    if (w instanceof EventWakeupsUnavailableWarning) emitted.push(w);
  };
  process.on("warning", onWarning);
  cleanups.push(() => process.off("warning", onWarning));
  // The probe's connection is reset, as when a platform is swamped by a burst of starts.
  if (faultProbe) emu.injectFault({ path: "/workspaces/:id/events/stream", reset: true });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
  cleanups.push(() => client.close());
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  cleanups.push(() => peer.close());
  const warned: string[] = [];
  const handled: string[] = [];
  const agent = new RemoteAgent({
    client,
    handler: (m) => void handled.push(m.text),
    pollIntervalMs: 50,
    logger: { warn: (msg) => void warned.push(msg) },
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  expect(agent.delivery).toBe("poll");
  await peer.callPeer(a.id, "hello");
  await waitFor(() => handled.includes("hello"));
  if (faultProbe) await waitFor(() => emitted.length > 0); // process warnings arrive on a tick
  return { warned, emitted, handled };
}

describe("RemoteAgent and a failed event-stream probe", () => {
  it("warns that messages arrive on the poll interval, and still receives them", async () => {
    const { warned, emitted } = await run(true);
    const [warning] = emitted;
    expect(emitted).toHaveLength(1);
    expect(warning).toMatchObject({ code: "event_wakeups_unavailable", pollIntervalMs: 50 });
    expect(warning!.message).toContain("messages arrive on the poll interval, 50 ms");
    expect(warned).toContain(warning!.message);
  });

  it("says nothing when the probe answers", async () => {
    const { warned, emitted } = await run(false);
    expect(emitted).toEqual([]);
    expect(warned.filter((w) => w.includes("event wake-ups"))).toEqual([]);
  });
});
