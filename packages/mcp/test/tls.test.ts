// The built `molecule-mcp` bin as shipped, with only PATH, NODE_EXTRA_CA_CERTS (the CA the fronts'
// valid certificates come from) and the proxy variable in its environment, against a platform whose
// certificate fails (a private CA, a self-signed one, another host's, an expired one, one not valid
// yet), directly and through a proxy: it exits 1 at once with the one line naming the cause and
// the fix, never retrying in the background as for a platform that is down.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  type ForwardProxy,
  forwardProxy,
  type TlsFailureKind,
  TLS_FAILURES,
  tlsFronts,
  type TlsFronts,
  tlsLine,
} from "@internal/test-utils";
import { writeFileSync } from "node:fs";
import { BIN, tempDir } from "./helpers.js";

const KINDS = Object.keys(TLS_FAILURES) as TlsFailureKind[];
let emu: Emulator;
let proxy: ForwardProxy;
let fronts: TlsFronts;
const state = tempDir();
const caFile = join(state.dir, "ca.pem");
beforeAll(async () => {
  emu = await startEmulator();
  proxy = await forwardProxy();
  fronts = await tlsFronts(emu.url);
  writeFileSync(caFile, fronts.ca.caPem);
});
afterAll(async () => {
  await fronts.close();
  await proxy.close();
  await emu.close();
  state.remove();
});

/** Runs the bin (stdio, stdin held open) to its exit: its exit code, stderr, and when it exited. */
async function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; exitAt: number }> {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stderr, exitAt: performance.now() };
}

describe("molecule-mcp against a platform whose certificate fails", { timeout: 60_000 }, () => {
  it.each([
    { route: "directly", proxied: false },
    { route: "through a proxy", proxied: true },
  ])("$route: exit 1 with one line naming the cause and the fix", async ({ proxied }) => {
    const ws = await emu.admin.createWorkspace({ name: "mcp-tls", deliveryMode: "poll" });
    // The five at once: each process's own time is measured from its first connection.
    await Promise.all(
      KINDS.map(async (kind) => {
        const url = fronts.failing[kind].url;
        const started = performance.now();
        const r = await runToExit({
          MOLECULE_PLATFORM_URL: url,
          MOLECULE_WORKSPACE_ID: ws.id,
          MOLECULE_WORKSPACE_TOKEN: ws.token!,
          MOLECULE_MCP_STATE_DIR: join(state.dir, `${kind}-${proxied}`),
          NODE_EXTRA_CA_CERTS: caFile,
          ...(proxied ? { HTTPS_PROXY: proxy.url } : {}),
        });
        const via = proxied ? `the proxy ${proxy.url} (HTTPS_PROXY)` : undefined;
        expect({ kind, code: r.code }).toEqual({ kind, code: 1 });
        const lines = r.stderr.trim().split("\n");
        expect(lines).toHaveLength(1);
        const line = lines[0]!.replace(/^molecule mcp: could not start: /, "").replace(/\.$/, "");
        expect(line).toMatch(tlsLine(kind, url, via));
        // Its first connection to its exit: one attempt, not retries (process start aside).
        const first = fronts.failing[kind].accepted.find((t) => t >= started);
        expect(r.exitAt - first!).toBeLessThan(2_000);
      }),
    );
  });
});
