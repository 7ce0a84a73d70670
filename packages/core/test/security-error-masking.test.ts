// Errors are masked where they are built: no per-instance wrapper masks them on the way out (it
// cost ~30 closures per client in fleets), so an error built from a response body that echoes the
// token must already be masked when the client throws it, with the echo still visible as
// "[REDACTED]" (masked, not dropped).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMoleculeError, PlatformClient } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";

const TOKEN = `tok_${randomBytes(24).toString("base64url")}`;
const ADMIN = `adm_${randomBytes(24).toString("base64url")}`;
const WS = "11111111-1111-4111-8111-111111111111";
const PEER = "22222222-2222-4222-8222-222222222222";

/** The status the next answer has; every body echoes the caller's token in a non-secret field. */
let status = 200;
const server = createServer((req, res) => {
  req.resume();
  const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
  const url = new URL(req.url ?? "/", "http://x");
  if (url.searchParams.get("since_id") === "00000000-0000-0000-0000-000000000000") {
    res.writeHead(410, { "content-type": "application/json" }).end("{}"); // capability probe
    return;
  }
  // Wrong for every schema (a string where an object or array is expected, the token as a key),
  // and for errors: the token in `error`, in a nested field and as a key.
  const body = {
    error: `bad request from ${token}`,
    id: 7,
    status: 7,
    tokens: 7,
    echo: { deep: [{ seen: token }] },
    [token]: "as a key",
  };
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The error `call` rejects with, checked for the secret in every view a developer could see. */
async function maskedError(call: Promise<unknown>, secret: string): Promise<unknown> {
  const err = await call.then(
    () => expect.unreachable("the hostile answer must fail"),
    (e: unknown) => e,
  );
  expect(isMoleculeError(err)).toBe(true);
  const e = err as Error & { body?: unknown; path?: string };
  for (const view of [e.message, e.stack, e.path, JSON.stringify(e), inspect(e, { depth: 10 })]) {
    expect(String(view)).not.toContain(secret);
  }
  return err;
}

describe("errors are masked where they are built", () => {
  it("no client carries per-instance method wrappers", () => {
    const client = new PlatformClient({ platformUrl: base, workspaceId: WS, token: TOKEN });
    const admin = new AdminClient({ platformUrl: base, adminToken: ADMIN });
    for (const obj of [client, admin]) {
      const own = Object.getOwnPropertyNames(obj).filter(
        (n) => typeof (obj as unknown as Record<string, unknown>)[n] === "function",
      );
      expect(own).toEqual([]);
    }
  });

  const shaped: Record<string, (c: PlatformClient) => Promise<unknown>> = {
    getState: (c) => c.getState(),
    getWorkspace: (c) => c.getWorkspace(),
    listPeers: (c) => c.listPeers(),
    discoverPeer: (c) => c.discoverPeer(PEER),
    delegate: (c) => c.delegate(PEER, "task"),
    listTokens: (c) => c.listTokens(),
    fetchActivityRows: (c) => c.fetchActivityRows(),
    register: (c) => c.register({ agentCard: { name: "a" }, url: "http://localhost:9/a2a" }),
  };
  for (const [name, call] of Object.entries(shaped)) {
    it(`${name}: a 2xx body of the wrong shape echoing the token → UnexpectedResponseError, masked`, async () => {
      status = 200;
      const client = new PlatformClient({ platformUrl: base, workspaceId: WS, token: TOKEN });
      try {
        const err = await maskedError(call(client), TOKEN);
        expect(isMoleculeError(err, "unexpected_response")).toBe(true);
        expect(JSON.stringify((err as { body: unknown }).body)).toContain("[REDACTED]");
      } finally {
        await client.close();
      }
    });
  }

  for (const code of [400, 401, 409, 500]) {
    it(`a ${code} whose error text echoes the token → typed error, masked in message and body`, async () => {
      status = code;
      const client = new PlatformClient({ platformUrl: base, workspaceId: WS, token: TOKEN });
      const admin = new AdminClient({ platformUrl: base, adminToken: ADMIN });
      try {
        // Each call starts only when awaited: no rejection is left unobserved meanwhile.
        for (const [call, secret] of [
          [() => client.listPeers({ fresh: true }), TOKEN],
          [() => client.discoverPeer(PEER), TOKEN],
          [() => admin.pause(WS), ADMIN],
        ] as const) {
          const err = (await maskedError(call(), secret)) as { message: string; body: unknown };
          expect(err.message).toContain("bad request from [REDACTED]");
          expect(JSON.stringify(err.body)).toContain("[REDACTED]");
        }
      } finally {
        await client.close();
        await admin.close();
      }
    });
  }
});
