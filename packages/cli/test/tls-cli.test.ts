// `molecule-agent connect` and `doctor` as shipped, in child processes with only PATH, HOME,
// NODE_EXTRA_CA_CERTS (the CA the fronts' valid certificates come from) and the proxy variable:
// against a platform whose certificate fails (a private CA, a self-signed one, another host's, an
// expired one, one not valid yet), directly and through a proxy. `connect` ends at once with the
// one line naming the cause and the fix; `doctor`'s platform check names the same cause and fix.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ForwardProxy,
  forwardProxy,
  type TlsFailureKind,
  TLS_FAILURES,
  tlsFixLine,
  tlsFronts,
  type TlsFronts,
  tlsLine,
} from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("tls-cli-");
const KINDS = Object.keys(TLS_FAILURES) as TlsFailureKind[];
let proxy: ForwardProxy;
let fronts: TlsFronts;
let dir: string;
let caFile: string;
beforeAll(async () => {
  proxy = await forwardProxy();
  fronts = await tlsFronts(h.emu.url);
  dir = await mkdtemp(join(tmpdir(), "tls-cli-ca-"));
  caFile = join(dir, "ca.pem");
  await writeFile(caFile, fronts.ca.caPem);
});
afterAll(async () => {
  await fronts.close();
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
});

const routes = [
  { route: "directly", proxied: false },
  { route: "through a proxy", proxied: true },
];

/** From the first connection the front accepted after `since` to `until` (ms): the SDK's own time. */
function sinceFirstConnection(kind: TlsFailureKind, since: number, until: number): number {
  const first = fronts.failing[kind].accepted.find((t) => t >= since);
  return first === undefined ? Number.NaN : until - first;
}

describe("molecule-agent against a platform whose certificate fails", { timeout: 60_000 }, () => {
  it.each(routes)("connect, $route: one line with the fix, under 2 s", async ({ proxied }) => {
    const ws = await h.emu.admin.createWorkspace({ name: "tls-cli", deliveryMode: "poll" });
    // The five at once: each process's own time is measured from its first connection.
    await Promise.all(
      KINDS.map(async (kind) => {
        const url = fronts.failing[kind].url;
        const started = performance.now();
        const run = h.run(["--handler", HANDLER], {
          MOLECULE_PLATFORM_URL: url,
          MOLECULE_WORKSPACE_ID: ws.id,
          MOLECULE_WORKSPACE_TOKEN: ws.token!,
          NODE_EXTRA_CA_CERTS: caFile,
          ...(proxied ? { HTTPS_PROXY: proxy.url } : {}),
        });
        const code = await run.exit;
        const ms = sinceFirstConnection(kind, started, performance.now());
        const via = proxied ? `the proxy ${proxy.url} (HTTPS_PROXY)` : undefined;
        expect({ kind, code, out: run.out() }).toEqual({ kind, code: 2, out: "" });
        const lines = run.err().trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]!.replace(/^\[molecule\] /, "")).toMatch(tlsLine(kind, url, via));
        // Its first connection to its exit: one attempt, not 15 s of retries (process start aside).
        expect(ms).toBeLessThan(2_000);
      }),
    );
  });

  it.each(routes)(
    "doctor, $route: the platform check names the same cause and fix",
    async ({ proxied }) => {
      const ws = await h.emu.admin.createWorkspace({ name: "tls-doctor" });
      const env = {
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        NODE_EXTRA_CA_CERTS: caFile,
        ...(proxied ? { HTTPS_PROXY: proxy.url } : {}),
      };
      const runs = await Promise.all(
        KINDS.map(async (kind) => {
          const url = fronts.failing[kind].url;
          return { kind, url, ...(await h.doctor({ ...env, MOLECULE_PLATFORM_URL: url })) };
        }),
      );
      for (const { kind, url, code, out } of runs) {
        const f = TLS_FAILURES[kind];
        const route = proxied ? ` through the proxy ${proxy.url} (HTTPS_PROXY)` : "";
        expect(code).toBe(1);
        expect(out).toContain(
          `[FAIL] platform      the platform at ${url}${route} ${f.problem} (${f.reason})`,
        );
        const fix = out.split("\n").find((l) => l.trimStart().startsWith("fix:"));
        expect(fix?.trim()).toMatch(tlsFixLine(kind));
        expect(out).not.toContain("start the platform");
        expect(out).toContain("[skip] token         needs the platform check to pass");
      }
    },
  );
});
