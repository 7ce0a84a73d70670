// The built LangChain example run as a user runs it, with HTTPS_PROXY and NODE_EXTRA_CA_CERTS:
// it reaches a TLS platform signed by a private CA through a forward proxy's CONNECT tunnel.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExample } from "@example/shared/testing";
import { forwardProxy, makeTestCa, tlsFront } from "@internal/test-utils";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { expect, it } from "vitest";

it("connects through HTTPS_PROXY to a private-CA platform", { timeout: 60_000 }, async () => {
  const ca = makeTestCa();
  const emu = await startEmulator();
  const proxy = await forwardProxy();
  const tls = await tlsFront(emu.url, ca);
  const dir = await mkdtemp(join(tmpdir(), "langchain-proxy-"));
  try {
    await writeFile(join(dir, "ca.pem"), ca.caPem);
    const ws = await emu.admin.createWorkspace({ name: "Researcher", deliveryMode: "poll" });
    const { code, stdout, stderr } = await runExample(new URL("../dist/main.js", import.meta.url), {
      unset: ["LANGCHAIN_MODEL", "HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"],
      env: {
        MOLECULE_PLATFORM_URL: tls.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        HTTPS_PROXY: proxy.url,
        NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      },
      onLine: (line, kill) => line.includes(" connected to ") && kill("SIGINT"),
    });
    expect({ code, stderr: stderr.includes("could not") ? stderr : "" }).toEqual({
      code: 0,
      stderr: "",
    });
    expect(stdout).toContain(`Researcher ${ws.id} connected to ${tls.url}`);
    expect(proxy.carried).toContain(`CONNECT ${new URL(tls.url).host}`);
    expect(proxy.carried.every((l) => l.startsWith("CONNECT "))).toBe(true);
  } finally {
    await tls.close();
    await proxy.close();
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});
