// `forgetProcessState()` (the /testing subpath): what the SDK keeps across its clients, a contract
// probe shared for a minute and the rate budgets, is gone once forgotten, as in a new process.
import { countingProxy } from "@internal/test-utils";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { expect, it } from "vitest";
import { PlatformClient } from "../src/platform/index.js";
import { forgetProcessState } from "../src/testing/index.js";
import { rateBucketOf } from "../src/transport/rate-budget.js";

it("a later client probes the platform again, and gets a new rate budget, once forgotten", async () => {
  const emu = await startEmulator();
  const proxy = await countingProxy(emu.url);
  const ws = await emu.admin.createWorkspace({ name: "prober" });
  const clients = Array.from(
    { length: 3 },
    () => new PlatformClient({ platformUrl: proxy.url, workspaceId: ws.id, token: ws.token! }),
  );
  const probes = (): number => proxy.requests.filter((r) => r.endsWith("/activity")).length;
  try {
    await clients[0]!.capabilities({ events: false });
    expect(probes()).toBe(1);
    await clients[1]!.capabilities({ events: false });
    expect(probes()).toBe(1); // shared within the minute
    const budget = rateBucketOf(proxy.url, undefined, ws.token);
    expect(rateBucketOf(proxy.url, undefined, ws.token)).toBe(budget);

    forgetProcessState();
    await clients[2]!.capabilities({ events: false });
    expect(probes()).toBe(2);
    expect(rateBucketOf(proxy.url, undefined, ws.token)).not.toBe(budget);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.close();
    await emu.close();
  }
});
