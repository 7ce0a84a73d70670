// `PlatformClient.connectionError`: the typed error of the most recent call that failed on the way
// to the platform (here its certificate, expired while the client runs), until a later call is
// answered; a call its caller aborted, or one answered with an error status, says nothing of the
// path. What the MCP server's workspace_info reports (packages/mcp).
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { makeTestCa, type TestCa, tlsFront, type TlsFront } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";

const DAY = 86_400_000;
const savedCas = tls.getCACertificates("default");
let emu: Emulator;
let ca: TestCa;
let front: TlsFront;

beforeAll(async () => {
  emu = await startEmulator();
  ca = makeTestCa();
  front = await tlsFront(emu.url, ca);
  tls.setDefaultCACertificates([...savedCas, ca.caPem]);
});
afterAll(async () => {
  tls.setDefaultCACertificates(savedCas);
  await front.close();
  await emu.close();
});

describe("PlatformClient.connectionError", () => {
  it("holds the last failure on the way to the platform until a call is answered", async () => {
    const ws = await emu.admin.createWorkspace({ name: "conn", deliveryMode: "poll" });
    const client = new PlatformClient({
      platformUrl: front.url,
      workspaceId: ws.id,
      token: ws.token!,
      proxy: false,
    });
    try {
      await client.heartbeat();
      expect(client.connectionError).toBeUndefined();

      const now = Date.now();
      front.use(ca.issue({ notBefore: new Date(now - 2 * DAY), notAfter: new Date(now - DAY) }));
      // A GET: a connection the swap cut is tried again (a new handshake), not named as the fault.
      await expect(client.getState()).rejects.toMatchObject({ code: "tls_expired" });
      expect(client.connectionError).toMatchObject({ code: "tls_expired", retryable: false });
      // A call its caller aborts says nothing of the path: the failure stays.
      await expect(client.getState({ signal: AbortSignal.abort() })).rejects.toBeDefined();
      expect(client.connectionError?.code).toBe("tls_expired");

      front.use(ca);
      // An answer of any status is the platform's: the path works again.
      await expect(
        client.getWorkspace("00000000-0000-4000-8000-000000000000"),
      ).rejects.toMatchObject({ status: 404 });
      expect(client.connectionError).toBeUndefined();
      await client.heartbeat();
      expect(client.connectionError).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
