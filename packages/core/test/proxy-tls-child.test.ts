// The README quickstart as shipped, in a child process whose environment has only the proxy
// variables and NODE_EXTRA_CA_CERTS (read at process start): it reaches a TLS platform signed by a
// private CA through a forward proxy's CONNECT tunnel; NO_PROXY bypasses the proxy; without the CA
// it ends with one line naming NODE_EXTRA_CA_CERTS. A certificate that fails (a private CA, a
// self-signed one, another host's, an expired one, one not valid yet) ends it, directly or through
// the proxy, with the one line naming its cause and fix, exit code 1, in under 2 s.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  type ForwardProxy,
  forwardProxy,
  makeTestCa,
  readmeBlock,
  type TlsFailureKind,
  TLS_FAILURES,
  tlsFront,
  type TlsFront,
  tlsFronts,
  type TlsFronts,
  tlsLine,
} from "@internal/test-utils";

let emu: Emulator;
let proxy: ForwardProxy;
let tls: TlsFront;
let dir: string;
let caFile: string;
let code: string;
let fronts: TlsFronts;
/** The CA `fronts` trusts (NODE_EXTRA_CA_CERTS), and with it the private one (the fix). */
let frontsCa: string;
let bothCas: string;
beforeAll(async () => {
  const ca = makeTestCa();
  emu = await startEmulator();
  proxy = await forwardProxy();
  tls = await tlsFront(emu.url, ca);
  fronts = await tlsFronts(emu.url);
  dir = await mkdtemp(join(tmpdir(), "proxy-tls-"));
  caFile = join(dir, "ca.pem");
  frontsCa = join(dir, "fronts-ca.pem");
  bothCas = join(dir, "both-cas.pem");
  await writeFile(caFile, ca.caPem);
  await writeFile(frontsCa, fronts.ca.caPem);
  await writeFile(bothCas, fronts.ca.caPem + fronts.privateCa.caPem);
  code = await readmeBlock(new URL("../README.md", import.meta.url), "## Quickstart");
});
afterAll(async () => {
  await fronts.close();
  await tls.close();
  await proxy.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the quickstart until it says it is connected (then SIGINT) or exits; its output. */
async function quickstart(
  env: Record<string, string>,
): Promise<{ out: string; err: string; code: number | null; exitAt: number }> {
  const ws = await emu.admin.createWorkspace({ name: "quickstart", deliveryMode: "poll" });
  const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      MOLECULE_STATE_DIR: join(dir, ws.id),
      MOLECULE_PLATFORM_URL: tls.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    if (out.includes("connected as workspace")) child.kill("SIGINT");
  });
  const exit = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { out, err, code: exit, exitAt: performance.now() };
}

describe("the README quickstart behind a proxy, with a private CA", { timeout: 60_000 }, () => {
  it("HTTPS_PROXY and NODE_EXTRA_CA_CERTS: connected through a CONNECT tunnel", async () => {
    proxy.carried.length = 0;
    const r = await quickstart({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caFile });
    expect(r.out).toContain("connected as workspace");
    expect(proxy.carried).toContain(`CONNECT ${new URL(tls.url).host}`);
    expect(proxy.carried.every((l) => l.startsWith("CONNECT "))).toBe(true);
  });

  it("NO_PROXY lists the platform's host: connected directly", async () => {
    proxy.carried.length = 0;
    const r = await quickstart({
      https_proxy: proxy.url,
      NO_PROXY: "localhost",
      NODE_EXTRA_CA_CERTS: caFile,
    });
    expect(r.out).toContain("connected as workspace");
    expect(proxy.carried).toEqual([]);
  });

  it("without the CA: one line naming NODE_EXTRA_CA_CERTS and the proxy", async () => {
    const r = await quickstart({ HTTPS_PROXY: proxy.url });
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the platform at ${tls.url} \\(reached through the proxy ${proxy.url} \\(HTTPS_PROXY\\)\\) presented a certificate this process does not trust \\(.+\\): if a private CA signs it, set NODE_EXTRA_CA_CERTS to that CA's PEM file$`,
        ),
      ),
    ]);
  });
});

const KINDS = Object.keys(TLS_FAILURES) as TlsFailureKind[];

describe(
  "the README quickstart against a platform whose certificate fails",
  { timeout: 60_000 },
  () => {
    it.each([
      { route: "directly", proxied: false },
      { route: "through a proxy", proxied: true },
    ])("$route: one line naming the cause and the fix, exit 1, under 2 s", async ({ proxied }) => {
      for (const kind of KINDS) {
        const url = fronts.failing[kind].url;
        const started = performance.now();
        const r = await quickstart({
          MOLECULE_PLATFORM_URL: url,
          NODE_EXTRA_CA_CERTS: frontsCa,
          ...(proxied ? { HTTPS_PROXY: proxy.url } : {}),
        });
        const via = proxied ? `the proxy ${proxy.url} (HTTPS_PROXY)` : undefined;
        expect({ kind, out: r.out, code: r.code }).toEqual({ kind, out: "", code: 1 });
        expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(tlsLine(kind, url, via))]);
        // Its first connection to its exit: one attempt, not 15 s of retries (process start aside).
        const first = fronts.failing[kind].accepted.find((t) => t >= started);
        expect(r.exitAt - first!).toBeLessThan(2_000);
      }
    });

    it("directly, the fix named works: NODE_EXTRA_CA_CERTS with the private CA connects", async () => {
      const r = await quickstart({
        MOLECULE_PLATFORM_URL: fronts.failing.untrusted.url,
        NODE_EXTRA_CA_CERTS: bothCas,
      });
      expect(r.out).toContain("connected as workspace");
    });
  },
);
