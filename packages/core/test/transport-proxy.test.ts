// Forward proxies from the environment (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case) and the
// `proxy` option, against a real forward proxy (absolute-URI requests, CONNECT tunnels, optional
// Proxy-Authorization): the client's three pools go through it, NO_PROXY and `proxy: false`
// bypass it, its refusals are typed errors naming it without credentials, and the remote A2A
// agent's address guard judges the final target, never the proxy.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  type ForwardProxy,
  forwardProxy,
  freePort,
  makeTestCa,
  startBareA2AAgent,
  tlsFront,
  type TlsFront,
} from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { describeStartError, pathFailureOf, proxyFor } from "../src/adapters/index.js";
import { RemoteA2AAgent } from "../src/a2a/index.js";
import { connectionBudgets } from "../src/transport/budgets.js";
import { PushNotifier } from "../src/a2a/server/push-notifier.js";
import { computePluginHash, installPlugin } from "../src/plugins/index.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const VARS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
/** Sets the proxy variables to `vars` (all others unset) for one test. */
function proxyEnv(vars: Record<string, string>): void {
  for (const v of VARS) delete process.env[v];
  Object.assign(process.env, vars);
}

let emu: Emulator;
let proxy: ForwardProxy;
let tls: TlsFront;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  emu = await startEmulator();
  proxy = await forwardProxy();
  tls = await tlsFront(emu.url, makeTestCa()); // a CA this process does not trust
});
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  proxyEnv({});
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  proxy.carried.length = 0;
});
afterAll(async () => {
  await tls.close();
  await proxy.close();
  await emu.close();
});

async function client(
  extra: Partial<ConstructorParameters<typeof PlatformClient>[0]> = {},
  platformUrl = emu.url,
): Promise<PlatformClient> {
  const ws = await emu.admin.createWorkspace({ name: "proxied", deliveryMode: "poll" });
  const c = new PlatformClient({ platformUrl, workspaceId: ws.id, token: ws.token!, ...extra });
  cleanups.push(() => c.close());
  return c;
}

const host = (): string => new URL(emu.url).host;

describe("proxies from the environment", () => {
  it("HTTP_PROXY alone: register, heartbeat, state and the event stream go through the proxy", async () => {
    proxyEnv({ HTTP_PROXY: proxy.url });
    const c = await client();
    await c.register({ agentCard: { name: "proxied" } });
    await c.heartbeat();
    await c.getState();
    const stream = await c.openEventStream();
    await stream.close();
    const paths = proxy.carried.map((l) => l.replace(`http://${host()}`, ""));
    expect(paths).toEqual(
      expect.arrayContaining([
        "POST /registry/register",
        "POST /registry/heartbeat",
        expect.stringMatching(/^GET \/workspaces\/[^/]+\/state$/),
        expect.stringMatching(/^GET \/workspaces\/[^/]+\/events/),
      ]),
    );
  });

  it("lower case wins, as curl reads it; the three pools stay apart through the proxy", async () => {
    proxyEnv({ http_proxy: proxy.url, HTTP_PROXY: "http://127.0.0.1:1" });
    const c = await client();
    await c.heartbeat();
    expect(proxy.carried).toEqual([`POST http://${host()}/registry/heartbeat`]);
    const b = connectionBudgets({});
    cleanups.push(async () => await Promise.all(b.leases.map((l) => l.release())));
    expect(new Set([b.requests, b.liveness, b.streams]).size).toBe(3);
  });

  it("NO_PROXY (and no_proxy) lists the platform: it is reached directly", async () => {
    const lists: Record<string, string>[] = [
      { NO_PROXY: "127.0.0.1" },
      { no_proxy: "example.com, 127.0.0.1" },
    ];
    for (const noProxy of lists) {
      proxyEnv({ HTTP_PROXY: proxy.url, ...noProxy });
      const c = await client();
      await c.heartbeat();
      await c.getState();
    }
    expect(proxy.carried).toEqual([]);
  });

  it("an explicit option wins: proxy: false bypasses the environment, a URL needs none", async () => {
    proxyEnv({ HTTP_PROXY: proxy.url });
    await (await client({ proxy: false })).heartbeat();
    expect(proxy.carried).toEqual([]);
    proxyEnv({});
    await (await client({ proxy: proxy.url })).heartbeat();
    expect(proxy.carried).toEqual([`POST http://${host()}/registry/heartbeat`]);
  });

  it("HTTP_PROXY alone also carries an https platform (as npm and undici read it)", async () => {
    proxyEnv({ HTTP_PROXY: proxy.url });
    await (await client({}, tls.url)).heartbeat().catch(() => undefined);
    expect(proxy.carried).toEqual([`CONNECT ${new URL(tls.url).host}`]);
  });

  it("HTTPS: a CONNECT tunnel to the platform, whose certificate is still verified", async () => {
    proxyEnv({ HTTPS_PROXY: proxy.url });
    const c = await client({}, tls.url);
    const err = await c.heartbeat().catch((e: unknown) => e);
    expect(proxy.carried).toEqual([`CONNECT ${new URL(tls.url).host}`]);
    expect(err).toMatchObject({ code: "tls_untrusted", retryable: false });
    expect((err as Error).message).toContain("NODE_EXTRA_CA_CERTS");
    expect((err as Error).message).toContain(`the proxy ${proxy.url} (HTTPS_PROXY)`);
  });
});

/** Which proxy the SDK's pools use for `url` (as shown in errors), if any. */
const via = (url: string): string | undefined => proxyFor(url)?.shown;

describe("NO_PROXY, as curl and undici read it", () => {
  it("matches hosts, subdomains, wildcards, ports, IP literals and *", () => {
    const P = "http://proxy.example:3128";
    proxyEnv({
      HTTPS_PROXY: `http://u:secret@proxy.example:3128`,
      no_proxy: "",
      NO_PROXY: ".corp.example, *.svc.example, api.example.com:8443, 10.0.0.7, [::1]",
    });
    expect(via("https://corp.example")).toBeUndefined(); // a leading dot: the domain and below
    expect(via("https://a.b.corp.example")).toBeUndefined();
    expect(via("https://svc.example")).toBe(P); // *.: subdomains only
    expect(via("https://x.svc.example")).toBeUndefined();
    expect(via("https://api.example.com:8443")).toBeUndefined();
    expect(via("https://api.example.com")).toBe(P); // another port
    expect(via("https://10.0.0.7/a")).toBeUndefined();
    expect(via("https://[::1]:9000")).toBeUndefined();
    expect(via("https://notcorp.example")).toBe(P);
    expect(via("http://plain.example")).toBeUndefined(); // no HTTP_PROXY for http
    expect(proxyFor("https://x.example")).toEqual({ shown: P, from: "HTTPS_PROXY" });
    proxyEnv({ HTTPS_PROXY: P, NO_PROXY: "*" });
    expect(via("https://anything.example")).toBeUndefined();
    proxyEnv({ HTTPS_PROXY: "proxy.example:3128" }); // no scheme: http://, as curl reads it
    expect(via("https://x.example")).toBe(P);
    proxyEnv({ HTTPS_PROXY: "ftp://proxy.example" });
    expect(() => proxyFor("https://x.example")).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});

describe("a proxy's refusals and failures", () => {
  it("credentials in the URL work, and never reach an error or a log line", async () => {
    const guarded = await forwardProxy({ auth: "alice:p@ss:w/rd" });
    cleanups.push(() => guarded.close());
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => void lines.push(m),
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    proxyEnv({ HTTP_PROXY: guarded.urlWith("alice", "p@ss:w/rd") });
    await (await client({ logger })).heartbeat();
    expect(guarded.carried).toHaveLength(1);

    // Wrong credentials (plain HTTP) and none (a CONNECT): one typed line each, naming the proxy.
    proxyEnv({ HTTP_PROXY: guarded.urlWith("alice", "wrong-secret-1234") });
    const wrong = await (await client({ logger })).heartbeat().then(
      () => new Error("no error"),
      (e: unknown) => e as Error,
    );
    expect(wrong).toMatchObject({ code: "proxy_refused", status: 407, retryable: false });
    expect(wrong.message).toBe(
      `the proxy ${guarded.url} (HTTP_PROXY) refused the request to ${emu.url}: 407 Proxy Authentication Required (it offers Basic); put the proxy's user and password in HTTP_PROXY (http://user:password@host:port, URL-encoded)`,
    );
    proxyEnv({ HTTPS_PROXY: guarded.url });
    const none = await (await client({ logger }, tls.url)).heartbeat().catch((e: unknown) => e);
    expect(none).toMatchObject({ code: "proxy_refused", status: 407 });
    expect(describeStartError(none)).toBe((none as Error).message);
    const all = JSON.stringify([lines, String(wrong), String(none), wrong.stack]);
    expect(all).not.toMatch(/wrong-secret-1234|p%40ss|p@ss/);
  });

  it("a proxy that is down: the unreachable-platform line names it", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    proxyEnv({ HTTP_PROXY: down });
    const c = await client({ timeoutMs: 5_000 });
    const err = await c.heartbeat().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "connection_failed" });
    expect((err as Error).message).toContain(
      `through the proxy ${down} (HTTP_PROXY) (ECONNREFUSED)`,
    );
    expect(describeStartError(err, { platformUrl: emu.url })).toBe(
      `could not reach the platform at ${emu.url} through the proxy ${down} (HTTP_PROXY): check MOLECULE_PLATFORM_URL, that the proxy runs and may reach the platform, or list the platform's host in NO_PROXY if it is reachable directly`,
    );
  });

  it("a CONNECT the proxy cannot complete (the platform is down behind it)", async () => {
    proxyEnv({ HTTPS_PROXY: proxy.url });
    const closed = `https://localhost:${await freePort()}`;
    const err = await (await client({}, closed)).heartbeat().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "connection_failed", status: 502, retryable: true });
    expect((err as Error).message).toContain(`through the proxy ${proxy.url} (HTTPS_PROXY)`);
  });

  it("an http platform down behind the proxy: the proxy's own 502 is named the proxy's (issue 111)", async () => {
    proxyEnv({ HTTP_PROXY: proxy.url });
    const closed = `http://127.0.0.1:${await freePort()}`;
    const err = await (await client({}, closed)).heartbeat().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "connection_failed", status: 502, retryable: true });
    expect(pathFailureOf(err)).toMatchObject({ cause: "proxy", status: 502 });
    expect((err as Error).message).toBe(
      `POST /registry/heartbeat: could not reach the platform at ${closed} through the proxy ${proxy.url} (HTTP_PROXY), which answered 502 (it could not reach the platform); check MOLECULE_PLATFORM_URL, that the proxy may reach it, or list the platform's host in NO_PROXY if it is reachable directly`,
    );
  });

  it("a CONNECT tunnel sends the credentials only once the proxy's 407 offered Basic (issue 111)", async () => {
    const guarded = await forwardProxy({ auth: "frank:tunnel-pw" });
    cleanups.push(() => guarded.close());
    proxyEnv({ HTTPS_PROXY: guarded.urlWith("frank", "tunnel-pw") });
    // The tunnel opens (the platform's certificate is then refused: this test's CA is not trusted).
    const err = await (await client({}, tls.url)).heartbeat().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "tls_untrusted" });
    expect(guarded.refused).toBe(1);
    expect(guarded.authorizations).toEqual([
      `Basic ${Buffer.from("frank:tunnel-pw").toString("base64")}`,
    ]);
    expect(guarded.carried).toEqual([`CONNECT ${new URL(tls.url).host}`]);
  });

  it("a proxy offering only NTLM and Negotiate gets no credentials, and the line names the relay to run (issue 111)", async () => {
    const domain = await forwardProxy({ offers: ["NTLM", "Negotiate"] });
    cleanups.push(() => domain.close());
    proxyEnv({ HTTP_PROXY: `http://CORP%5Cerin:domain-pass-5678@${new URL(domain.url).host}` });
    const c = await client({});
    const err = await c.heartbeat().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "proxy_refused", status: 407, retryable: false });
    expect((err as Error).message).toBe(
      `the proxy ${domain.url} (HTTP_PROXY) refused the request to ${emu.url}: 407 Proxy Authentication Required (it offers NTLM, Negotiate); it asks for NTLM or Negotiate, and the SDK speaks only Basic to a proxy (no credentials were sent to it): run a local relay that speaks NTLM or Negotiate to it (cntlm, px) and set HTTP_PROXY to the relay (http://127.0.0.1:3128)`,
    );
    const agent = new RemoteAgent({ client: c, handler: () => "", startAttempts: 1 });
    const start = await agent.start().catch((e: unknown) => e);
    expect(describeStartError(start)).toBe((start as Error).message);
    expect(domain.refused).toBeGreaterThanOrEqual(2);
    expect(domain.authorizations).toEqual([]);
    expect(String(err)).not.toContain("domain-pass-5678");
  });
});

describe("RemoteA2AAgent through a proxy", () => {
  it("goes through the proxy; the address guard judges the target, never the proxy", async () => {
    const peer = await startBareA2AAgent({ name: "far", answer: "pong" });
    cleanups.push(() => peer.close());
    proxyEnv({ HTTP_PROXY: proxy.url });
    const open = new RemoteA2AAgent({ url: peer.url, allowPrivateNetwork: true });
    cleanups.push(() => open.close());
    expect(await open.send("ping")).toMatchObject({ text: "pong" });
    expect(proxy.carried.length).toBeGreaterThan(0);
    // `vm` resolves to 127.0.0.1 here: a loopback target is refused, although the proxy (also on
    // loopback) would connect to it.
    proxy.carried.length = 0;
    const byName = new RemoteA2AAgent({ url: `http://vm:${new URL(peer.url).port}/rpc` });
    cleanups.push(() => byName.close());
    await expect(byName.send("ping")).rejects.toMatchObject({ code: "a2a_address_refused" });
    expect(proxy.carried).toEqual([]);
  });
});

describe("push notification webhooks through a proxy", () => {
  it("are sent through the proxy; the address rule judges the webhook, never the proxy", async () => {
    const got: string[] = [];
    let arrived: () => void = () => got.length;
    const hook = createServer((req, res) => {
      got.push(`${req.method} ${req.url}`);
      res.end();
      arrived();
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => hook.close(resolve)));
    const port = (hook.address() as AddressInfo).port;
    proxyEnv({ HTTP_PROXY: proxy.url });
    const task = { kind: "task", id: "t1", contextId: "c1", status: { state: "completed" } };
    const send = async (policy: "private" | "public", url: string): Promise<unknown> => {
      // Settles when the webhook is called, or when the notifier reports its failure.
      const settled = new Promise<unknown>((resolve) => {
        arrived = () => resolve(undefined);
        const n = new PushNotifier(
          { policy, maxAttempts: 1, retryDelayMs: 10, timeoutMs: 5_000 },
          resolve,
        );
        cleanups.push(() => n.close());
        n.deliver(task as never, [{ id: "h", url, version: "0.3" }]);
      });
      return await settled;
    };
    await send("private", `http://vm:${port}/hook`);
    expect(got).toEqual(["POST /hook"]);
    expect(proxy.carried).toEqual([`POST http://vm:${port}/hook`]);
    // The public rule: `vm` resolves to 127.0.0.1 here, so it is refused before the proxy is asked.
    proxy.carried.length = 0;
    const err = await send("public", `http://vm:${port}/hook2`);
    expect(err).toMatchObject({ code: "push_address_refused" });
    expect(proxy.carried).toEqual([]);
  });
});

describe("plugin downloads through a proxy", () => {
  it("installPlugin streams the archive through the proxy", async () => {
    const root = await mkdtemp(join(tmpdir(), "proxy-plugins-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const demo = join(root, "served", "demo");
    await mkdir(demo, { recursive: true });
    await writeFile(join(demo, "rules.md"), "# Rules\n");
    await writeFile(
      join(demo, "plugin.yaml"),
      `name: demo\nsha256: "${await computePluginHash(demo)}"\n`,
    );
    const plugins = await startEmulator({ pluginsDir: join(root, "served") });
    cleanups.push(() => plugins.close());
    proxyEnv({ HTTP_PROXY: proxy.url });
    const ws = await plugins.admin.createWorkspace({ name: "plugins" });
    const c = new PlatformClient({
      platformUrl: plugins.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => c.close());
    const result = await installPlugin(c, "demo", { dir: join(root, "installed") });
    expect(result).toMatchObject({ name: "demo", verified: true });
    expect(proxy.carried).toContain(
      `GET http://${new URL(plugins.url).host}/workspaces/${ws.id}/plugins/demo/download`,
    );
  });
});
