// Clients of one platform that probe its contract at once, or within a minute of its answer, send one
// probe (a fleet started together, in its start gate's turns, spends its org's rate budget on one,
// not one an agent); only an answer is shared.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isMoleculeError, PlatformClient } from "../src/index.js";

const ids = Array.from({ length: 5 }, (_, i) => `11111111-2222-4333-8444-55555555555${i}`);
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).toReversed()) await c();
});

/** A platform answering the contract probe (410: cursors) to any bearer but "bad" (401). */
async function platform(): Promise<{ url: string; probes: string[] }> {
  const probes: string[] = [];
  const server = createServer((req, res) => {
    if (req.url?.includes("since_id=00000000-0000-0000-0000-000000000000")) {
      probes.push(req.url);
      const bad = req.headers.authorization === "Bearer bad";
      res.writeHead(bad ? 401 : 410, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: bad ? "invalid token" : "cursor not found" }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, probes };
}

function client(url: string, workspaceId: string, token: string, orgId?: string): PlatformClient {
  const c = new PlatformClient({ platformUrl: url, workspaceId, token, orgId });
  closers.push(() => c.close());
  return c;
}

describe("the contract probe", () => {
  it("is sent once for clients of one platform probing at once", async () => {
    const p = await platform();
    const clients = ids.map((id) => client(p.url, id, `tok-${id}`));
    const caps = await Promise.all(clients.map((c) => c.capabilities({ events: false })));
    expect(caps.map((c) => c.cursors)).toEqual([true, true, true, true, true]);
    expect(p.probes).toHaveLength(1);
  });

  it("is shared for a minute after its answer (a fleet's later start turns), then asked again", async () => {
    const p = await platform();
    vi.useFakeTimers({ toFake: ["performance"] }); // the monotonic clock the answer's age is read on
    try {
      await client(p.url, ids[0]!, "tok-first").capabilities({ events: false });
      expect(p.probes).toHaveLength(1);
      vi.advanceTimersByTime(59_000);
      const later = await client(p.url, ids[1]!, "tok-later").capabilities({ events: false });
      expect(later.cursors).toBe(true);
      expect(p.probes).toHaveLength(1);
      // Another org of the same origin (a hosted tenant) probes its own.
      await client(p.url, ids[2]!, "tok-org", "org-2").capabilities({ events: false });
      expect(p.probes).toHaveLength(2);
      vi.advanceTimersByTime(1_000);
      await client(p.url, ids[3]!, "tok-late").capabilities({ events: false });
      expect(p.probes).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shares only an answer: a probe refused for one client's token leaves the others to probe", async () => {
    const p = await platform();
    const [bad, ...good] = ids.map((id, i) => client(p.url, id, i === 0 ? "bad" : `tok-${id}`));
    const results = await Promise.allSettled(
      [bad!, ...good].map((c) => c.capabilities({ events: false })),
    );
    expect(results[0]!.status).toBe("rejected");
    expect(isMoleculeError((results[0] as PromiseRejectedResult).reason, "unauthorized")).toBe(
      true,
    );
    for (const r of results.slice(1)) {
      expect(r.status).toBe("fulfilled");
      expect((r as PromiseFulfilledResult<{ cursors: boolean }>).value.cursors).toBe(true);
    }
  });
});
