// A 2025-era stream resumed on another replica: two HTTP servers (two session tables, as two
// processes behind a load balancer) share a FileMcpEventStore directory; a client's stream to the
// first breaks during a long wait_for_message, the client reconnects with Last-Event-ID, the
// second replica answers it from the shared store and follows it until the answer is stored.
import { readdirSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, expect, it } from "vitest";
import { FileMcpEventStore, MoleculeMcp, readMcpConfig, startMcpHttp } from "../src/index.js";
import { structured, tempDir } from "./helpers.js";

const BEARER = "test-bearer-0123456789abcdef";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** A promise and its resolve. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** `res` with its SSE body cut (as a dropped connection) right after the first event id. */
function cutAfterFirstEventId(res: Response, cut: () => void): Response {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      seen += decoder.decode(value, { stream: true });
      if (/^id: /m.test(seen)) {
        await reader.cancel();
        controller.error(new Error("the connection dropped"));
        cut();
      }
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

const RESUMES = [
  {
    elsewhere: true,
    title:
      "a stream broken on one replica is resumed on another from the shared event store; forged or foreign Last-Event-IDs are refused",
  },
  {
    elsewhere: false,
    title:
      "a stream broken on one replica is resumed on that replica (the SDK's replay through the shared store)",
  },
];

it.each(RESUMES)(
  "$title",
  async ({ elsewhere }) => {
    const platform = await startTestPlatform({ name: "resume" });
    cleanups.push(() => platform.close());
    const state = tempDir();
    cleanups.push(state.remove);
    const events = tempDir();
    cleanups.push(events.remove);
    const host = new MoleculeMcp(
      readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
      { logger: {} },
    );
    cleanups.push(() => host.stop());
    const config = { port: 0, host: "127.0.0.1", token: BEARER, allowedOrigins: [] };
    const a = await startMcpHttp(host, config, { eventStore: new FileMcpEventStore(events.dir) });
    cleanups.push(() => a.close());
    const b = await startMcpHttp(host, config, { eventStore: new FileMcpEventStore(events.dir) });
    cleanups.push(() => b.close());
    await host.start();

    // The load balancer: resumptions (GET with Last-Event-ID) go to B (or A), everything else to A.
    const cut = signal();
    const resumed = signal();
    const toB: { lastEventId: string; status: number }[] = [];
    const balancer = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      const lastEventId = headers.get("last-event-id");
      if (init?.method === "GET" && lastEventId) {
        const res = await fetch(elsewhere ? b.url : a.url, init);
        toB.push({ lastEventId, status: res.status });
        resumed.resolve();
        return res;
      }
      const res = await fetch(a.url, init);
      const body = typeof init?.body === "string" ? init.body : "";
      return body.includes('"wait_for_message"') ? cutAfterFirstEventId(res, cut.resolve) : res;
    };

    const client = new Client({ name: "resuming-host", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(a.url), {
      requestInit: { headers: { authorization: `Bearer ${BEARER}` } },
      fetch: balancer,
      reconnectionOptions: {
        initialReconnectionDelay: 10,
        maxReconnectionDelay: 100,
        reconnectionDelayGrowFactor: 1.5,
        maxRetries: 5,
      },
    });
    await client.connect(transport);
    cleanups.push(() => client.close());
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const waited = client.callTool({
      name: "wait_for_message",
      arguments: { timeoutSeconds: 50 },
    });
    await cut.promise;
    await resumed.promise;
    expect(toB).toEqual([{ lastEventId: expect.stringMatching(`^${sessionId}\\.`), status: 200 }]);

    // The message arrives while the client listens on B: A's answer reaches it through the store.
    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({
      client: peer.client(),
      handler: () => undefined,
      logger: {},
    });
    await asker.start();
    cleanups.push(() => asker.stop());
    void asker
      .callPeer(platform.workspace.id, "after the cut", { timeoutMs: 30_000 })
      .catch(() => {});
    const got = structured<{ messages: { text: string }[]; timedOut: boolean }>(await waited);
    expect(got.timedOut).toBe(false);
    expect(got.messages.map((m) => m.text).join("\n")).toContain("after the cut");

    // B holds no session: a Last-Event-ID that is forged, names another session, or names a path
    // is refused, as is a request of the session that is not a resumption.
    const lastEventId = toB[0]!.lastEventId;
    const ask = (headers: Record<string, string>): Promise<number> =>
      fetch(b.url, {
        headers: { authorization: `Bearer ${BEARER}`, accept: "text/event-stream", ...headers },
      }).then(async (r) => (await r.body?.cancel(), r.status));
    const other = "00000000-0000-4000-8000-000000000000";
    expect(await ask({ "mcp-session-id": other, "last-event-id": lastEventId })).toBe(404);
    expect(
      await ask({ "mcp-session-id": sessionId, "last-event-id": `${sessionId}.../../etc.1` }),
    ).toBe(404);
    expect(await ask({ "mcp-session-id": sessionId })).toBe(404);

    // The session ends (DELETE): its events are removed from the shared store.
    expect(readdirSync(events.dir)).toEqual([sessionId]);
    await transport.terminateSession();
    expect(readdirSync(events.dir)).toEqual([]);
  },
  90_000,
);
