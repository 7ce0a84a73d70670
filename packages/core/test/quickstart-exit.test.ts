// The README quickstart as shipped, in a child process (issue 111), its heartbeat every 100 ms so
// the test counts heartbeats, not seconds: an identity-aware proxy in front of the platform
// answering its sign-in page as an HTML 401 never stops it, however many heartbeats it refused,
// and no line blames the token; the platform's own 401 (its credentials rotated) stops it, and its
// exit code says so (1, not 0), so a supervisor restarts it or alerts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  errorFront,
  forwardProxy,
  readmeBlock,
  SIGN_IN_PAGES,
  waitFor,
} from "@internal/test-utils";
import { AdminClient } from "../src/public/admin.js";

let emu: Emulator;
let admin: AdminClient;
let dir: string;
let code: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "quickstart-exit-"));
  const block = await readmeBlock(new URL("../README.md", import.meta.url), "## Quickstart");
  // The one change: heartbeats every 100 ms (default 30 s), so refusals come in a test's time.
  code = block.replace("handler: (msg) =>", "heartbeatIntervalMs: 100,\n    handler: (msg) =>");
  if (code === block) throw new Error("the README quickstart has no `handler: (msg) =>` to add to");
});
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});
afterAll(async () => {
  await admin.close();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** The quickstart as workspace `id` at `platformUrl` (`env`: more variables) before it connected. */
function spawnQuickstart(
  platformUrl: string,
  id: string,
  token: string,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      MOLECULE_STATE_DIR: join(dir, id),
      MOLECULE_PLATFORM_URL: platformUrl,
      MOLECULE_WORKSPACE_ID: id,
      MOLECULE_WORKSPACE_TOKEN: token,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exit = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGKILL");
    await exit;
  });
  let output = "";
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  return { child, output: () => output, exit };
}

/** The quickstart running as workspace `id` at `platformUrl`, once connected. */
async function quickstart(
  platformUrl: string,
  id: string,
  token: string,
): Promise<{ child: ChildProcess; output: () => string; exit: Promise<number | null> }> {
  const q = spawnQuickstart(platformUrl, id, token);
  await waitFor(() => q.output().includes("connected as workspace") || q.child.exitCode !== null, {
    timeoutMs: 30_000,
  });
  expect(q.output()).toContain("connected as workspace");
  return q;
}

describe("the README quickstart's exit status", { timeout: 60_000 }, () => {
  it("a proxy offering only NTLM and Negotiate: one line naming them and the relay, exit 1, no credentials sent", async () => {
    const ws = await admin.createExternalWorkspace({ name: "domain-proxy" });
    const domain = await forwardProxy({ offers: ["NTLM", "Negotiate"] });
    cleanups.push(() => domain.close());
    const q = spawnQuickstart(emu.url, ws.id, ws.token!, {
      HTTP_PROXY: `http://CORP%5Cgina:domain-pass-9012@${new URL(domain.url).host}`,
    });
    expect(await q.exit).toBe(1);
    const lines = q.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "407 Proxy Authentication Required (it offers NTLM, Negotiate); it asks for NTLM or Negotiate, and the SDK speaks only Basic to a proxy (no credentials were sent to it): run a local relay that speaks NTLM or Negotiate to it (cntlm, px)",
    );
    expect(q.output()).not.toContain("domain-pass-9012");
    expect(domain.authorizations).toEqual([]);
  });

  it("the platform's own 401 (credentials rotated) stops it with exit code 1 and a line saying why", async () => {
    const ws = await admin.createExternalWorkspace({ name: "revoked" });
    const q = await quickstart(emu.url, ws.id, ws.token!);
    await admin.rotateExternalCredentials(ws.id);
    expect(await q.exit).toBe(1);
    expect(q.output()).toMatch(/the agent stopped itself \(unauthorized\): Stopped after 3/);
  });

  it("a front's HTML 401 sign-in page for six refused heartbeats: it stays up, blames no token, and stops with 0 on SIGTERM", async () => {
    const ws = await admin.createExternalWorkspace({ name: "signed-out" });
    const front = await errorFront({ upstream: emu.url, page: SIGN_IN_PAGES["sign-in 401"] });
    cleanups.push(() => front.close());
    const q = await quickstart(front.url, ws.id, ws.token!);
    const mark = q.output().length;
    front.failing(true);
    // Twice `maxUnauthorized` (3): the base stopped itself after the third.
    await waitFor(
      () =>
        front.paged.filter((l) => l === "POST /registry/heartbeat").length >= 6 ||
        q.child.exitCode !== null,
      { timeoutMs: 30_000 },
    );
    expect(q.child.exitCode).toBeNull();
    const during = q.output().slice(mark);
    expect(during).toContain("fails at the front");
    expect(during).not.toMatch(/token|rejected|revoked|rotate/i);
    front.failing(false);
    await waitFor(() => q.output().includes("path to the platform is back"), { timeoutMs: 30_000 });
    q.child.kill("SIGTERM");
    expect(await q.exit).toBe(0);
  });
});
