// `molecule-agent connect` and `doctor` as shipped, in child processes whose environment has only
// the proxy variables and NODE_EXTRA_CA_CERTS: a TLS platform signed by a private CA, reached
// through a forward proxy's CONNECT tunnel. `doctor` says which proxy it used, and every check
// goes where the agent goes; a proxy that is down is named in the unreachable-platform line.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ForwardProxy,
  forwardProxy,
  freePort,
  makeTestCa,
  tlsFront,
  type TlsFront,
} from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("proxy-cli-");
let proxy: ForwardProxy;
let tls: TlsFront;
let dir: string;
let caFile: string;
beforeAll(async () => {
  const ca = makeTestCa();
  proxy = await forwardProxy();
  tls = await tlsFront(h.emu.url, ca);
  dir = await mkdtemp(join(tmpdir(), "proxy-cli-ca-"));
  caFile = join(dir, "ca.pem");
  await writeFile(caFile, ca.caPem);
});
afterAll(async () => {
  await tls.close();
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
});

describe("molecule-agent behind a proxy", { timeout: 60_000 }, () => {
  it("connect and doctor reach a private-CA TLS platform through HTTPS_PROXY", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "proxy-cli", deliveryMode: "poll" });
    const env = {
      MOLECULE_PLATFORM_URL: tls.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      HTTPS_PROXY: proxy.url,
      NODE_EXTRA_CA_CERTS: caFile,
    };
    proxy.carried.length = 0;
    const agent = h.run(["--handler", HANDLER, "--poll-interval", "0.2"], env);
    await new Promise<void>((resolve, reject) => {
      agent.child.stdout!.on("data", () => agent.out().includes("connected as") && resolve());
      void agent.exit.then(() => reject(new Error(`connect exited: ${agent.err()}`)));
    });
    const tunnel = `CONNECT ${new URL(tls.url).host}`;
    expect(proxy.carried).toContain(tunnel);

    proxy.carried.length = 0;
    const r = await h.doctor(env);
    agent.child.kill("SIGINT");
    await agent.exit;
    expect(r.out).toMatch(
      new RegExp(
        `\\[ok  \\] platform +${tls.url} answered in \\d+ ms \\(/health\\) through the proxy ${proxy.url} \\(HTTPS_PROXY\\)`,
      ),
    );
    expect(r.out).toContain("all checks passed");
    expect(r.code).toBe(0);
    expect(proxy.carried.length).toBeGreaterThan(0);
    expect(proxy.carried.every((l) => l === tunnel)).toBe(true);
  });

  it("doctor with NO_PROXY listing the platform: direct, and it says so", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "proxy-cli-direct" });
    proxy.carried.length = 0;
    const r = await h.doctor({
      MOLECULE_PLATFORM_URL: tls.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: "localhost",
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(r.out).toContain("(/health) directly (NO_PROXY lists it)");
    expect(proxy.carried).toEqual([]);
  });

  it("doctor with a proxy that is down: the platform line names it, without credentials", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "proxy-cli-down" });
    const port = await freePort();
    const r = await h.doctor({
      MOLECULE_PLATFORM_URL: tls.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      HTTPS_PROXY: `http://bob:s3cret-proxy-pass@127.0.0.1:${port}`,
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `[FAIL] platform      cannot reach ${tls.url} through the proxy http://127.0.0.1:${port} (HTTPS_PROXY): ECONNREFUSED`,
    );
    expect(r.out).not.toContain("s3cret-proxy-pass");
  });

  it("doctor through a proxy that demands credentials: the proxy's 407 is its own failure", async () => {
    const guarded = await forwardProxy({ auth: "carol:pw" });
    try {
      const ws = await h.emu.admin.createWorkspace({ name: "proxy-cli-407" });
      const r = await h.doctor({
        MOLECULE_PLATFORM_URL: tls.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        HTTPS_PROXY: guarded.url,
        NODE_EXTRA_CA_CERTS: caFile,
      });
      expect(r.code).toBe(1);
      expect(r.out).toContain(
        `[FAIL] platform      the proxy ${guarded.url} (HTTPS_PROXY) refused the request to ${tls.url}: 407 Proxy Authentication Required (it offers Basic); put the proxy's user and password in HTTPS_PROXY`,
      );
    } finally {
      await guarded.close();
    }
  });

  it("a proxy offering only NTLM and Negotiate: connect and doctor name the schemes and the relay to run, exit non-zero, send no Basic", async () => {
    const domain = await forwardProxy({ offers: ["NTLM", "Negotiate"] });
    try {
      const ws = await h.emu.admin.createWorkspace({
        name: "proxy-cli-ntlm",
        deliveryMode: "poll",
      });
      const env = {
        MOLECULE_PLATFORM_URL: tls.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        // What the old advice had users do: the domain password in the proxy variable.
        HTTPS_PROXY: `http://CORP%5Cdave:domain-pass-1234@${new URL(domain.url).host}`,
        NODE_EXTRA_CA_CERTS: caFile,
      };
      const said = `refused the request to ${tls.url}: 407 Proxy Authentication Required (it offers NTLM, Negotiate); it asks for NTLM or Negotiate, and the SDK speaks only Basic to a proxy (no credentials were sent to it): run a local relay that speaks NTLM or Negotiate to it (cntlm, px) and set HTTPS_PROXY to the relay`;
      const agent = h.run(["--handler", HANDLER, "--poll-interval", "0.2"], env);
      expect(await agent.exit).not.toBe(0);
      const lines = agent
        .err()
        .split("\n")
        .filter((l) => l.includes("407"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(said);
      const r = await h.doctor(env);
      expect(r.code).toBe(1);
      expect(r.out).toContain(said);
      expect(r.out).toContain("fix: it asks for NTLM or Negotiate");
      expect(`${agent.err()}${r.out}`).not.toContain("domain-pass-1234");
      // Never as Basic (nor at all) to a proxy that did not offer Basic.
      expect(domain.refused).toBeGreaterThan(0);
      expect(domain.authorizations).toEqual([]);
    } finally {
      await domain.close();
    }
  });
});
