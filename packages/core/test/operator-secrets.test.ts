// Issue 59, "the example Worker is an open endpoint when its path secret is unset" and "the cron
// route runs for a stranger when its secret is unset", at the SDK's level: an A2A endpoint built
// with an undefined path secret (an unset environment variable read per request, as a Worker
// does) is refused at construction, so a stranger's requests over real HTTP run nothing (before:
// the bare path was served and the handler ran); `agent.createPushHandler()` with no secret
// anywhere refuses the same way; `verifyBearer` refuses every request while its secret is unset.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createA2AHandler, verifyBearer } from "../src/a2a/index.js";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";
import { MoleculeOptionError } from "../src/transport/index.js";

/** What a deployment reads from an environment where the secret was never set. */
const UNSET: Record<string, string | undefined> = {};

let server: http.Server;
let origin: string;
let ran = 0;
const refusals: unknown[] = [];

beforeAll(async () => {
  // Built per request, as the Worker example does (no I/O at module scope).
  server = http.createServer((req, res) => {
    try {
      const a2a = createA2AHandler({
        agentCard: { name: "worker" },
        basePath: "/a2a",
        pathSecret: UNSET["MOLECULE_PATH_SECRET"] as string,
        onMessage: () => {
          ran++;
          return "ran for a stranger";
        },
      });
      void a2a.handleNode(req, res);
    } catch (err) {
      refusals.push(err);
      res.writeHead(503).end("not configured");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
});

const send = (path: string): Promise<Response> =>
  fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: {
        message: { role: "user", messageId: "m1", parts: [{ kind: "text", text: "ask x: hi" }] },
      },
    }),
  });

describe("a path secret that is not set", () => {
  it("an endpoint built with an undefined secret answers no stranger: every request refused, the handler never runs", async () => {
    const statuses: number[] = [];
    for (const path of ["/a2a", "/a2a/", "/a2a/anything", "/"]) {
      const r = await send(path);
      await r.text();
      statuses.push(r.status);
    }
    const card = await fetch(`${origin}/a2a/.well-known/agent-card.json`);
    await card.text();
    statuses.push(card.status);
    expect(statuses).toEqual([503, 503, 503, 503, 503]);
    expect(ran).toBe(0);
    expect(refusals[0]).toBeInstanceOf(MoleculeOptionError);
    expect((refusals[0] as Error).message).toMatch(/pathSecret is not set/);
  });

  it("createPushHandler() with no secret in its options or the push delivery refuses; false opts out", async () => {
    const client = new PlatformClient({
      platformUrl: "http://127.0.0.1:9",
      workspaceId: "5ad841ef-bafe-4f6b-ba79-632fc76e330b",
      token: "t",
    });
    const agent = new RemoteAgent({
      client,
      handler: () => "ok",
      delivery: { mode: "push", server: false, publicUrl: "https://me.example/a2a" },
      logger: {},
    });
    expect(() => agent.createPushHandler({ basePath: "/a2a" })).toThrow(MoleculeOptionError);
    expect(() =>
      agent.createPushHandler({ basePath: "/a2a", pathSecret: UNSET["X"] as string }),
    ).toThrow(/pathSecret is not set/);
    expect(agent.createPushHandler({ basePath: "/a2a", pathSecret: false }).endpointPath).toBe(
      "/a2a",
    );
    await client.close();
  });
});

describe("verifyBearer", () => {
  it("refuses every request while the secret is unset or empty, `Bearer undefined` included", () => {
    for (const secret of [undefined, ""]) {
      for (const header of ["Bearer undefined", "Bearer ", "Bearer", "", null, undefined])
        expect(verifyBearer(header, secret)).toBe(false);
    }
  });

  it("accepts exactly `Bearer <secret>`", () => {
    const secret = "cron-secret-0123456789abcdef";
    expect(verifyBearer(`Bearer ${secret}`, secret)).toBe(true);
    for (const header of [
      `Bearer ${secret} `,
      `bearer ${secret}`,
      `Bearer ${secret.slice(1)}`,
      `Bearer ${secret}x`,
      secret,
      "Bearer undefined",
      null,
    ])
      expect(verifyBearer(header, secret)).toBe(false);
  });
});
