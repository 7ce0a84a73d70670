// Issue 99 for the MCP server: workspace_info reports the platform connection as the agent sees it.
// The built bin runs against the emulator behind TLS; the platform's certificate expires while it
// runs: workspace_info says unreachable, `certificate: tls_expired` and the one line naming the
// expired certificate and the fix (as list_peers and the server's stderr do), never "online"; a
// renewed certificate makes it online again.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import {
  errorFront,
  makeTestCa,
  SIGN_IN_PAGES,
  type TestCa,
  tlsFront,
  type TlsFront,
  tlsLine,
} from "@internal/test-utils";
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

// Issue 111: an identity-aware proxy in front of the platform whose session expired answers its
// sign-in redirect: workspace_info names the front and what it answered, never the token.
describe("workspace_info behind a front answering its sign-in redirect", () => {
  it(
    "says unreachable, names the front, blames no token, and is online again once it passes",
    { timeout: 60_000 },
    async () => {
      const ws = await emu.admin.createWorkspace({ name: "mcp-front", deliveryMode: "poll" });
      const signIn = await errorFront({ upstream: emu.url, page: SIGN_IN_PAGES["sign-in 302"] });
      const s = await connectStdio({
        MOLECULE_PLATFORM_URL: signIn.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        MOLECULE_MCP_STATE_DIR: join(state.dir, "front"),
      });
      const info = async (): Promise<Info["workspaces"][number]> =>
        structured<Info>(await s.client.callTool({ name: "workspace_info", arguments: {} }))
          .workspaces[0]!;
      try {
        expect(await info()).toMatchObject({ status: "online", connection: "ok", problem: null });
        signIn.failing(true);
        const out = await info();
        expect(out).toMatchObject({
          status: "unreachable",
          connection: "front: 302 redirect to https://sso.corp.example",
        });
        expect(out.problem).toContain(
          "answered 302 from a proxy or load balancer in front of it (redirect to https://sso.corp.example), not the platform itself (the token was not refused)",
        );
        expect(out.problem).not.toMatch(/rejected|revoked|rotate/i);
        signIn.failing(false);
        expect(await info()).toMatchObject({ status: "online", connection: "ok", problem: null });
      } finally {
        await s.close();
        await signIn.close();
      }
    },
  );
});
