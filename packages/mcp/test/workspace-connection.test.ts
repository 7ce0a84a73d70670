// Issue 99 for the MCP server: workspace_info reports the platform connection as the agent sees it.
// The built bin runs against the emulator behind TLS; the platform's certificate expires while it
// runs: workspace_info says unreachable, `certificate: tls_expired` and the one line naming the
// expired certificate and the fix (as list_peers and the server's stderr do), never "online"; a
// renewed certificate makes it online again.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { makeTestCa, type TestCa, tlsFront, type TlsFront, tlsLine } from "@internal/test-utils";
import { connectStdio, structured, tempDir, textOf } from "./helpers.js";

const DAY = 86_400_000;
let emu: Emulator;
let ca: TestCa;
let front: TlsFront;
const state = tempDir();
const caFile = join(state.dir, "ca.pem");

beforeAll(async () => {
  emu = await startEmulator();
  ca = makeTestCa();
  front = await tlsFront(emu.url, ca);
  writeFileSync(caFile, ca.caPem);
});
afterAll(async () => {
  await front.close();
  await emu.close();
  state.remove();
});

interface Info {
  workspaces: { status: string; connection: string | null; problem: string | null }[];
}

describe("workspace_info when the platform's certificate expires", () => {
  it(
    "says unreachable and names the certificate until it is renewed",
    { timeout: 60_000 },
    async () => {
      const ws = await emu.admin.createWorkspace({ name: "mcp-conn", deliveryMode: "poll" });
      const s = await connectStdio({
        MOLECULE_PLATFORM_URL: front.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        MOLECULE_MCP_STATE_DIR: join(state.dir, "s"),
        NODE_EXTRA_CA_CERTS: caFile,
      });
      const info = async (): Promise<Info["workspaces"][number]> =>
        structured<Info>(await s.client.callTool({ name: "workspace_info", arguments: {} }))
          .workspaces[0]!;
      try {
        expect(await info()).toMatchObject({ status: "online", connection: "ok", problem: null });

        const now = Date.now();
        front.use(ca.issue({ notBefore: new Date(now - 2 * DAY), notAfter: new Date(now - DAY) }));
        const expired = await info();
        expect(expired).toMatchObject({
          status: "unreachable",
          connection: "certificate: tls_expired",
        });
        const [line] = expired.problem!.split("; messages wait on the platform");
        expect(line).toMatch(tlsLine("expired", front.url));
        const peers = textOf(await s.client.callTool({ name: "list_peers", arguments: {} }));
        expect(peers).toContain("presented a certificate that has expired (CERT_HAS_EXPIRED)");

        front.use(ca);
        expect(await info()).toMatchObject({ status: "online", connection: "ok", problem: null });
      } finally {
        await s.close();
      }
    },
  );
});
