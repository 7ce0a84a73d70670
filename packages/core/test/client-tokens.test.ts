// rotateToken finds the old token by the platform's `prefix`, whatever its length, and never
// revokes a guess.
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryTokenStore, PlatformClient } from "../src/index.js";

const ORIGIN = "http://platform.test";
const WS = "11111111-2222-4333-8444-555555555555";
const OLD = "oldTok_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab";
const NEW = "newTok_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab";
const ID1 = "aaaaaaaa-0000-4000-8000-000000000001";
const ID2 = "aaaaaaaa-0000-4000-8000-000000000002";

describe("PlatformClient.rotateToken", () => {
  let agent: MockAgent;
  let deleted: string[];
  let warnings: string[];
  let store: MemoryTokenStore;
  let client: PlatformClient;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    deleted = [];
    warnings = [];
    store = new MemoryTokenStore(OLD);
    client = new PlatformClient({
      platformUrl: ORIGIN,
      workspaceId: WS,
      tokenStore: store,
      dispatcher: agent,
      logger: { warn: (m) => warnings.push(m) },
    });
  });
  afterEach(async () => {
    await agent.close();
  });

  function platform(tokens: Array<{ id: string; prefix: string }>): void {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ method: "GET", path: `/workspaces/${WS}/tokens?limit=200` })
      .reply(200, { tokens, count: tokens.length });
    pool
      .intercept({ method: "POST", path: `/workspaces/${WS}/tokens` })
      .reply(201, { auth_token: NEW, workspace_id: WS });
    pool
      .intercept({ method: "DELETE", path: (p) => p.startsWith(`/workspaces/${WS}/tokens/`) })
      .reply((o) => {
        deleted.push(o.path.split("/").at(-1) ?? "");
        return { statusCode: 200, data: { status: "revoked" } };
      })
      .persist();
  }

  it("matches a prefix longer than 8 characters", async () => {
    platform([
      { id: ID1, prefix: OLD.slice(0, 12) },
      { id: ID2, prefix: "oldTok_Zzzzz" }, // same first 7 characters, another token
    ]);
    const r = await client.rotateToken();
    expect(r).toEqual({ revokedTokenId: ID1, oldToken: "revoked", candidateIds: [ID1] });
    expect(deleted).toEqual([ID1]);
    expect(await store.load()).toBe(NEW);
  });

  it("matches a shorter prefix", async () => {
    platform([
      { id: ID1, prefix: "newTok_A" },
      { id: ID2, prefix: OLD.slice(0, 6) },
    ]);
    expect((await client.rotateToken()).revokedTokenId).toBe(ID2);
    expect(deleted).toEqual([ID2]);
  });

  it("does not revoke when the prefix is ambiguous, and says so", async () => {
    platform([
      { id: ID1, prefix: OLD.slice(0, 8) },
      { id: ID2, prefix: OLD.slice(0, 8) },
    ]);
    const r = await client.rotateToken();
    expect(r).toEqual({
      revokedTokenId: undefined,
      oldToken: "ambiguous",
      candidateIds: [ID1, ID2],
    });
    expect(deleted).toEqual([]);
    expect(await store.load()).toBe(NEW); // the new token is active anyway
    expect(warnings.join("\n")).toMatch(/2 live tokens share its prefix/);
    expect(warnings.join("\n")).not.toContain(OLD.slice(0, 8));
  });

  it("does not revoke anything when no token matches", async () => {
    platform([
      { id: ID1, prefix: "unrelat" },
      { id: ID2, prefix: "" },
    ]);
    const r = await client.rotateToken();
    expect(r).toEqual({ revokedTokenId: undefined, oldToken: "not_found", candidateIds: [] });
    expect(deleted).toEqual([]);
  });
});
