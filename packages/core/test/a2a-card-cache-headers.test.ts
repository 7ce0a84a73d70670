// A2A v1.0 §8.6: the agent card is served with an ETag (SHOULD; the 1.0 conformance kit's
// CARD-CACHE-002) that follows its content, and a Last-Modified (MAY, CARD-CACHE-003).
import { afterAll, describe, expect, it } from "vitest";
import { createA2AHandler } from "../src/public/a2a.js";

const handlers = [
  createA2AHandler({
    agentCard: { name: "cached", description: "test" },
    pathSecret: false,
    onMessage: () => "ok",
  }),
  createA2AHandler({
    agentCard: { name: "cached", description: "another" },
    pathSecret: false,
    onMessage: () => "ok",
  }),
];
afterAll(() => Promise.all(handlers.map((h) => h.close())));

const card = (i: number, host = "127.0.0.1") =>
  handlers[i]!.handleFetch(new Request(`http://${host}/.well-known/agent-card.json`));

describe("the card's caching headers", () => {
  it("an ETag that follows the card's content, and a Last-Modified", async () => {
    const [a, again, other, otherHost] = await Promise.all([
      card(0),
      card(0),
      card(1),
      card(0, "localhost"),
    ]);
    const etag = a.headers.get("etag");
    expect(etag).toMatch(/^W\/"[0-9a-z]+-[0-9a-z]+"$/);
    expect(again.headers.get("etag")).toBe(etag);
    expect(other.headers.get("etag")).not.toBe(etag); // another description
    expect(otherHost.headers.get("etag")).not.toBe(etag); // another url in the card
    const since = Date.parse(a.headers.get("last-modified") ?? "");
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(a.headers.get("cache-control")).toBe("public, max-age=300");
  });
});
