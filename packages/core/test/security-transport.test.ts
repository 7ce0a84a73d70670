// Security review: what the platform, a peer or a redirect can make the client do with its token
// and its memory. Real HTTP servers on 127.0.0.1.
import type { ServerResponse } from "node:http";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { isMoleculeError, PlatformClient } from "../src/index.js";
import { useTestServers } from "./fixtures/http-servers.js";

const WS = "11111111-2222-4333-8444-555555555555";
const PEER = "99999999-2222-4333-8444-555555555555";
const TOKEN = "tok_secret_abcdefghijklmnopqrstuvwxyz012345";

const clients: PlatformClient[] = [];
const serve = useTestServers();

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** Streams 64 KiB chunks (no Content-Length) until the client goes away. */
function endless(res: ServerResponse, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.write('{"jsonrpc":"2.0","id":"1","result":"');
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk)) {
      /* keep writing until backpressure */
    }
    if (!res.destroyed) res.once("drain", pump);
  };
  res.on("close", () => res.removeAllListeners("drain"));
  pump();
}

function client(platformUrl: string, extra: Record<string, unknown> = {}): PlatformClient {
  const c = new PlatformClient({ platformUrl, workspaceId: WS, token: TOKEN, ...extra });
  clients.push(c);
  return c;
}

describe("the token never leaves the platform's origin", () => {
  it("does not follow a redirect to another origin (nor to the same one)", async () => {
    const elsewhere = await serve((_req, res) => res.end("{}"));
    const platform = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const err = await client(platform.url)
      .getState()
      .catch((e: unknown) => e);
    expect(isMoleculeError(err)).toBe(true);
    expect((err as { status?: number }).status).toBe(307);
    expect(elsewhere.seen).toHaveLength(0);
    expect(platform.seen).toHaveLength(1);
  });

  it("sends the bearer only to the platform on a direct call, whatever URL the peer registered", async () => {
    const peer = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "1",
          result: {
            kind: "message",
            role: "agent",
            messageId: "m",
            parts: [{ kind: "text", text: "ok" }],
          },
        }),
      );
    });
    const platform = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (req.url?.includes("/registry/discover/")) {
        // A hostile peer registers a URL with a path and a query on its own host.
        res.end(JSON.stringify({ id: PEER, url: `${peer.url}/a2a?x=1`, name: "p" }));
      } else res.end("{}");
    });
    const result = await client(`${platform.url}/prefix`).callPeer(PEER, "hi", { via: "direct" });
    expect(result.status).toBe("completed");
    const toPeer = peer.seen.filter((s) => s.method === "POST");
    expect(toPeer).toHaveLength(1);
    for (const s of peer.seen) {
      expect(s.headers.authorization).toBeUndefined();
      expect(s.headers.origin).toBeUndefined();
      expect(s.headers["x-molecule-org-id"]).toBeUndefined();
      expect(JSON.stringify(s.headers)).not.toContain(TOKEN);
    }
    // The platform got the bearer, under the base path, with an Origin without the path.
    const discover = platform.seen.find((s) => s.url?.startsWith("/prefix/registry/discover/"));
    expect(discover?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(discover?.headers.origin).toBe(platform.url);
  });

  it("masks the token in error messages and bodies built from what the platform echoes", async () => {
    const platform = await serve((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `bad header Authorization: Bearer ${TOKEN}`, echo: TOKEN }));
    });
    const err = await client(platform.url)
      .notify("hello")
      .catch((e: unknown) => e);
    expect(isMoleculeError(err)).toBe(true);
    const e = err as Error & { body?: unknown };
    expect(e.message).toContain("[REDACTED]");
    expect(e.message).not.toContain(TOKEN);
    expect(JSON.stringify(e.body)).not.toContain(TOKEN);
    expect(inspect(err, { depth: 10 })).not.toContain(TOKEN);
  });
});

describe("responses are read with a size cap", () => {
  it("a direct peer streaming an endless answer fails with peer_response_too_large", async () => {
    const peer = await serve((_req, res) => endless(res));
    const platform = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: PEER, url: `${peer.url}/`, name: "p" }));
    });
    const err = await client(platform.url)
      .callPeer(PEER, "hi", { via: "direct", protocol: "0.3" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "peer_response_too_large")).toBe(true);
  });

  it("a peer answer through the proxy over 16 MiB fails with peer_response_too_large", async () => {
    const platform = await serve((_req, res) => endless(res));
    const err = await client(platform.url)
      .callPeer(PEER, "hi", { protocol: "0.3" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "peer_response_too_large")).toBe(true);
  });

  it("a platform answer over maxResponseBytes fails with response_too_large (declared or streamed)", async () => {
    const streamed = await serve((_req, res) => endless(res));
    const err = await client(streamed.url, { maxResponseBytes: 1024 * 1024 })
      .getState()
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "response_too_large")).toBe(true);

    const declared = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 2_000_000 });
      res.write("{");
    });
    const err2 = await client(declared.url, { maxResponseBytes: 1024 * 1024 })
      .getState()
      .catch((e: unknown) => e);
    expect(isMoleculeError(err2, "response_too_large")).toBe(true);
  });

  it("peer error text in an error message is bounded", async () => {
    const platform = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "1",
          error: { code: -32000, message: "x".repeat(100_000) },
        }),
      );
    });
    const err = await client(platform.url)
      .callPeer(PEER, "hi", { protocol: "0.3" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "peer_rpc_error")).toBe(true);
    expect((err as Error).message.length).toBeLessThan(600);

    const platform2 = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "y".repeat(100_000) }));
    });
    const err2 = await client(platform2.url)
      .callPeer(PEER, "hi", { protocol: "0.3" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err2, "peer_unreachable")).toBe(true);
    expect((err2 as Error).message.length).toBeLessThan(600);
  });

  it("an error body that never ends does not hang openEventStream", async () => {
    const platform = await serve((_req, res) => endless(res, 500));
    const err = await client(platform.url)
      .openEventStream()
      .catch((e: unknown) => e);
    expect(isMoleculeError(err)).toBe(true);
    expect((err as { status?: number }).status).toBe(500);
  });
});
