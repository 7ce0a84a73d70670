// A platform behind TLS whose certificate fails, as deployments meet it: a private CA's leaf, a
// self-signed certificate, a certificate for another host, an expired one, one not valid yet;
// each reached directly and through a forward proxy. Each is its own typed error, not retried:
// one line naming the platform (and the proxy), the problem and the fix, well under 2 s, at a
// call, at `start()` and at the running agent's later calls. Trusting the CA (what
// NODE_EXTRA_CA_CERTS does; in process, `tls.setDefaultCACertificates`) is the fix that works.
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  type ForwardProxy,
  forwardProxy,
  makeTestCa,
  type TlsFailureKind,
  TLS_FAILURES,
  tlsFront,
  tlsFronts,
  type TlsFronts,
  tlsLine,
} from "@internal/test-utils";
import { type AgentEvent, PlatformClient, RemoteAgent } from "../src/index.js";
import { describeStartError, requestPlatformUrl } from "../src/adapters/index.js";
import { tlsProblemOf } from "../src/transport/tls-errors.js";

const KINDS = Object.keys(TLS_FAILURES) as TlsFailureKind[];
const VARS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
const savedEnv = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
const savedCas = tls.getCACertificates("default");

let emu: Emulator;
let proxy: ForwardProxy;
let fronts: TlsFronts;
/** Trusts `pems` beside the default CAs, as NODE_EXTRA_CA_CERTS does at a process's start. */
const trust = (...pems: string[]): void => tls.setDefaultCACertificates([...savedCas, ...pems]);

beforeAll(async () => {
  for (const v of VARS) delete process.env[v];
  [emu, proxy] = await Promise.all([startEmulator(), forwardProxy()]);
  fronts = await tlsFronts(emu.url);
  trust(fronts.ca.caPem);
});
afterAll(async () => {
  tls.setDefaultCACertificates(savedCas);
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
  await fronts.close();
  await proxy.close();
  await emu.close();
});

async function workspace(): Promise<{ id: string; token: string }> {
  const ws = await emu.admin.createWorkspace({ name: "tls", deliveryMode: "poll" });
  return { id: ws.id, token: ws.token! };
}

/** The rejection of `p` and how long it took (ms). */
async function failure(p: () => Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const started = performance.now();
  const err = await p().then(
    () => new Error("no error"),
    (e: unknown) => e as Error,
  );
  return { err, ms: performance.now() - started };
}

const routes = [
  { route: "directly", proxied: false },
  { route: "through a proxy", proxied: true },
] as const;

describe("a TLS failure at a call", { timeout: 30_000 }, () => {
  it.each(routes)("each is its own typed line, $route, in well under 2 s", async ({ proxied }) => {
    const ws = await workspace();
    for (const kind of KINDS) {
      const url = fronts.failing[kind].url;
      const client = new PlatformClient({
        platformUrl: url,
        workspaceId: ws.id,
        token: ws.token,
        proxy: proxied ? proxy.url : false,
      });
      proxy.carried.length = 0;
      const { err, ms } = await failure(() => client.heartbeat());
      await client.close();
      expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
      const via = proxied ? `the proxy ${proxy.url} (the proxy option)` : undefined;
      expect(err.message).toMatch(tlsLine(kind, url, via));
      expect(ms).toBeLessThan(2_000);
      expect(proxy.carried).toEqual(proxied ? [`CONNECT ${new URL(url).host}`] : []);
    }
  });

  it("requestPlatformUrl (doctor's probe) gets the same typed errors", async () => {
    for (const kind of KINDS) {
      const url = fronts.failing[kind].url;
      const { err } = await failure(() => requestPlatformUrl(`${url}/health`, { proxy: false }));
      expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
      expect(err.message).toMatch(tlsLine(kind, url));
    }
  });

  it("a server sending its private CA's root too is untrusted, not self-signed", async () => {
    const ca = makeTestCa();
    const front = await tlsFront(emu.url, { certPem: ca.certPem + ca.caPem, keyPem: ca.keyPem });
    try {
      const r = await failure(() => requestPlatformUrl(`${front.url}/health`, { proxy: false }));
      expect(r.err).toMatchObject({ code: "tls_untrusted", retryable: false });
      expect(r.err.message).toContain("(SELF_SIGNED_CERT_IN_CHAIN): if a private CA signs it");
    } finally {
      await front.close();
    }
  });

  it("https to a plain HTTP port: tls_failed, naming the code and the URL's scheme", async () => {
    const url = emu.url.replace("http:", "https:");
    const { err, ms } = await failure(() => requestPlatformUrl(`${url}/health`, { proxy: false }));
    expect(err).toMatchObject({ code: "tls_failed", retryable: false });
    expect(err.message).toMatch(
      new RegExp(
        `^the platform at ${url} failed the TLS handshake \\(ERR_SSL_[A-Z_]+\\): check that MOLECULE_PLATFORM_URL's scheme and port serve HTTPS`,
      ),
    );
    expect(ms).toBeLessThan(2_000);
  });

  it("the fix works: the CA trusted (NODE_EXTRA_CA_CERTS), directly and through a proxy", async () => {
    const ws = await workspace();
    for (const p of [false as const, proxy.url]) {
      const client = new PlatformClient({
        platformUrl: fronts.valid.url,
        workspaceId: ws.id,
        token: ws.token,
        proxy: p,
      });
      await client.heartbeat();
      await client.close();
    }
    trust(fronts.ca.caPem, fronts.privateCa.caPem);
    try {
      const url = fronts.failing.untrusted.url;
      expect((await requestPlatformUrl(`${url}/health`, { proxy: false })).status).toBe(200);
      expect((await requestPlatformUrl(`${url}/health`, { proxy: proxy.url })).status).toBe(200);
    } finally {
      trust(fronts.ca.caPem);
    }
  });
});

describe("a TLS failure at start", { timeout: 30_000 }, () => {
  it.each(routes)("start() ends at once, $route: one line, not retried", async ({ proxied }) => {
    if (proxied) process.env.HTTPS_PROXY = proxy.url;
    try {
      for (const kind of KINDS) {
        const ws = await workspace();
        const url = fronts.failing[kind].url;
        const warnings: string[] = [];
        const client = new PlatformClient({
          platformUrl: url,
          workspaceId: ws.id,
          token: ws.token,
        });
        const agent = new RemoteAgent({
          client,
          handler: () => "ok",
          logger: { warn: (m) => void warnings.push(m) },
        });
        const { err, ms } = await failure(() => agent.start());
        await client.close();
        expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
        const line = describeStartError(err, { platformUrl: url });
        const via = proxied ? `the proxy ${proxy.url} (HTTPS_PROXY)` : undefined;
        expect(line).toMatch(tlsLine(kind, url, via));
        expect(ms).toBeLessThan(2_000);
        expect(warnings).toEqual([]); // no "failed during start; retrying"
      }
    } finally {
      delete process.env.HTTPS_PROXY;
    }
  });

  it("a running agent's later calls get the TLS error, not 'could not reach'", async () => {
    const ws = await workspace();
    const front = await tlsFront(emu.url, fronts.ca);
    const warnings: string[] = [];
    const client = new PlatformClient({
      platformUrl: front.url,
      workspaceId: ws.id,
      token: ws.token,
    });
    const agent = new RemoteAgent({
      client,
      handler: () => "ok",
      pollIntervalMs: 50,
      logger: { warn: (m, meta) => void warnings.push(`${m} ${JSON.stringify(meta)}`) },
    });
    try {
      await agent.start();
      const now = Date.now();
      // The certificate expired, and the connections open with the old one closed: the poll loop
      // says so, and the agent stays up.
      front.use(fronts.ca.issue({ notBefore: new Date(now - 2e8), notAfter: new Date(now - 1e8) }));
      await expect.poll(() => warnings.join("\n")).toContain("(CERT_HAS_EXPIRED)");
      expect(warnings.join("\n")).not.toContain("could not reach");
      // And any later call of its client.
      const { err, ms } = await failure(() => client.heartbeat());
      expect(err).toMatchObject({ code: "tls_expired", retryable: false });
      expect(err.message).toMatch(tlsLine("expired", front.url));
      expect(ms).toBeLessThan(2_000);
      front.use(fronts.ca); // renewed: it goes on
      await client.heartbeat();
    } finally {
      await agent.stop();
      await client.close();
      await front.close();
    }
  });

  it("an answer waits out a certificate that expired, and is delivered once it is renewed", async () => {
    const ws = await workspace();
    const sender = await workspace();
    const front = await tlsFront(emu.url, fronts.ca);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handling!: () => void;
    const handled = new Promise<void>((r) => (handling = r));
    const events: AgentEvent[] = [];
    const client = new PlatformClient({
      platformUrl: front.url,
      workspaceId: ws.id,
      token: ws.token,
    });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 50,
      retryBaseMs: 20,
      logger: {},
      onEvent: (e) => void events.push(e),
      handler: async () => {
        handling();
        await gate;
        return "answered after the renewal";
      },
    });
    try {
      await agent.start();
      await peer.callPeer(ws.id, "hello");
      await handled;
      const now = Date.now();
      front.use(fronts.ca.issue({ notBefore: new Date(now - 2e8), notAfter: new Date(now - 1e8) }));
      release();
      // Its send fails on the certificate, and is held (not dead-lettered) like an outage.
      await expect
        .poll(() => events.find((e) => e.type === "replyFailed"))
        .toMatchObject({ error: { code: "tls_expired" }, willRetry: true });
      front.use(fronts.ca);
      await expect
        .poll(() => JSON.stringify(emu.activity(sender.id)))
        .toContain("answered after the renewal");
      expect(events.filter((e) => e.type === "deadLettered")).toEqual([]);
    } finally {
      await agent.stop();
      await client.close();
      await peer.close();
      await front.close();
    }
  });
});

/** The classification of an error whose cause carries Node's `code` (and `extra` fields). */
const of = (code: string, extra: object = {}) =>
  tlsProblemOf(new Error("x", { cause: Object.assign(new Error("y"), { code, ...extra }) }));

describe("tlsProblemOf", () => {
  it("classifies Node's codes on an error or its causes; a handshake timeout is the network's", () => {
    expect(of("UNABLE_TO_GET_ISSUER_CERT_LOCALLY")?.code).toBe("tls_untrusted");
    expect(of("CERT_UNTRUSTED")?.code).toBe("tls_untrusted");
    expect(of("CERT_REVOKED")).toMatchObject({ code: "tls_failed", reason: "CERT_REVOKED" });
    expect(of("ERR_SSL_WRONG_VERSION_NUMBER")?.code).toBe("tls_failed");
    expect(of("ERR_TLS_HANDSHAKE_TIMEOUT")).toBeUndefined();
    expect(of("ECONNREFUSED")).toBeUndefined();
    const names =
      "DNS:a.example, DNS:b.example, DNS:c.example, DNS:d.example, IP Address:10.0.0.1, DNS:f.example, DNS:g.example";
    expect(
      of("ERR_TLS_CERT_ALTNAME_INVALID", { host: "x.example", cert: { subjectaltname: names } })
        ?.problem,
    ).toBe(
      "presented a certificate for a.example, b.example, c.example, d.example, 10.0.0.1 and 2 more, not for x.example",
    );
  });
});
