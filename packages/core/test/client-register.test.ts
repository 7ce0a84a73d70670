// register(): the result's deliveryMode is what the platform did, also against servers that do
// not echo delivery_mode (a minimal fake platform; the emulator always echoes on "latest").
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A platform that mints a token on register and never echoes delivery_mode. */
async function fakePlatform(activityProbe: number) {
  const seen: Array<{ method: string; path: string; auth: string | undefined; body: string }> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      seen.push({ method: req.method ?? "", path, auth: req.headers.authorization, body });
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && path === "/registry/register") {
        res.end(JSON.stringify({ status: "registered", auth_token: "t".repeat(43) }));
      } else if (path.includes("/activity")) {
        res.statusCode = activityProbe;
        res.end(activityProbe === 200 ? "[]" : JSON.stringify({ error: "x" }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: "not found" }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("register against a server that does not echo delivery_mode", () => {
  it.each([
    [410, "poll"], // the cursor probe says: newer platform, poll delivery honoured
    [200, "push"], // baseline: delivery_mode ignored, the url is pushed to
    [500, "push"], // probe failed: the url was sent to a server that does not echo the mode
  ] as const)(
    "first registration with a url and poll; activity probe %i -> %s",
    async (status, expected) => {
      const p = await fakePlatform(status);
      const client = new PlatformClient({ platformUrl: p.url, workspaceId: randomUUID() });
      const r = await client.register({
        agentCard: { name: "a" },
        url: "http://localhost:9/a2a",
        deliveryMode: "poll",
      });
      expect(r).toMatchObject({ tokenIssued: true, deliveryMode: expected });
      // The probe ran after the token was minted, with it.
      const probe = p.seen.find((s) => s.path.includes("/activity"));
      expect(probe?.auth).toBe(`Bearer ${"t".repeat(43)}`);
      await client.close();
    },
  );

  it("does not probe when push was asked for", async () => {
    const p = await fakePlatform(410);
    const client = new PlatformClient({ platformUrl: p.url, workspaceId: randomUUID() });
    const r = await client.register({ agentCard: { name: "a" }, url: "http://localhost:9/a2a" });
    expect(r.deliveryMode).toBe("push");
    expect(p.seen.map((s) => s.path)).toEqual(["/registry/register"]);
    await client.close();
  });
});
