// A platform host name that does not resolve (ENOTFOUND) is one rule everywhere: not retried by
// the transport (an adapter's first call) nor by an agent's start, and said in one line naming
// MOLECULE_PLATFORM_URL. (`.invalid` never resolves, RFC 2606.)
import { lookup } from "node:dns/promises";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "../src/index.js";

const HOST = "no-such-host.invalid";
const nxdomain = await lookup(HOST).then(
  () => false,
  (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND",
);

describe.runIf(nxdomain)("a platform host that does not resolve", () => {
  it("fails the first call and the start at once, not retried, naming MOLECULE_PLATFORM_URL", async () => {
    const client = new PlatformClient({
      platformUrl: `http://${HOST}`,
      workspaceId: "11111111-2222-4333-8444-555555555555",
      token: "t",
    });
    try {
      const err = await client.listPeers().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "connection_failed", retryable: false });
      expect((err as Error).message).toMatch(/does not resolve.*MOLECULE_PLATFORM_URL/);
      const warned: string[] = [];
      const agent = new RemoteAgent({
        client,
        handler: () => "x",
        logger: { warn: (m: string) => void warned.push(m) },
      });
      const started = await agent.start().catch((e: unknown) => e);
      expect(started).toMatchObject({ code: "connection_failed", retryable: false });
      // No start-up retry was made (each would be a "retrying" warning).
      expect(warned.filter((m) => /retrying/.test(m))).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
