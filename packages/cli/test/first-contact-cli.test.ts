// `molecule-agent connect` on a first run that goes wrong: a wrong token, a removed workspace, a
// platform that is down, a busy port, a forced delivery the platform lacks. Each ends with exit 2
// and one line naming the flags and variables to fix, never library options or internal steps.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorFront, FRONT_PAGES, freePort, oldNode } from "@internal/test-utils";
import { BIN, HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("first-contact-");
const old = useConnectHarness("first-contact-2026-04-", { compat: "2026-04" });

let busy: Server;
let busyPort: number;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => await new Promise((resolve) => busy.close(resolve)));

/** The one stderr line, checked for library option names and internal steps. */
function oneLine(err: string): string {
  const lines = err.trim().split("\n");
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expect(line).not.toMatch(/`token`|tokenStore|platformUrl|workspaceId|capabilit|register failed/);
  return line;
}

describe("molecule-agent connect: first contact", { timeout: 60_000 }, () => {
  it(`an old Node (${oldNode().version}): one line saying Node >= 22.19 is needed`, async () => {
    const node = oldNode();
    const run = promisify(execFile)(node.command, [...node.args, BIN, "connect"], {
      env: { PATH: process.env.PATH ?? "", HOME: h.home },
    });
    const failed = (await run.then(
      () => ({ code: 0, stderr: "" }),
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      `molecule-agent: Node.js >= 22.19 is needed (this is ${node.version}): install a newer Node (for example 24 LTS) and run the command with it.\n`,
    );
  });

  it("a wrong token: one line naming --token and MOLECULE_WORKSPACE_TOKEN", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "fc-token" });
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: "not-the-token",
    });
    expect(await r.exit).toBe(2);
    expect(oneLine(r.err())).toBe(
      "[molecule] the platform rejected the workspace token (401): set MOLECULE_WORKSPACE_TOKEN or --token to the token the platform issued for this workspace (the canvas shows it once when the workspace is created; after a rotation, the new one)",
    );
  });

  it("a removed workspace: one line naming --workspace-id and --token", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "fc-removed" });
    await h.emu.admin.deleteWorkspace(ws.id);
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
    });
    expect(await r.exit).toBe(2);
    expect(oneLine(r.err())).toBe(
      `[molecule] workspace ${ws.id} was removed from the platform: create a new workspace and set MOLECULE_WORKSPACE_ID or --workspace-id and MOLECULE_WORKSPACE_TOKEN or --token to its id and token`,
    );
  });

  it("a platform that is down: one line naming --platform-url", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const ws = await h.emu.admin.createWorkspace({ name: "fc-down" });
    const r = h.run(["--handler", HANDLER, "--platform-url", url], {
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
    });
    expect(await r.exit).toBe(2);
    expect(oneLine(r.err())).toBe(
      `[molecule] could not reach the platform at ${url}: check MOLECULE_PLATFORM_URL or --platform-url and that the platform is running`,
    );
  });

  it("a proxy's error page in front of a platform that is down: one line naming it, no markup", async () => {
    const front = await errorFront({ page: FRONT_PAGES["cloudflare 522"] });
    try {
      const ws = await h.emu.admin.createWorkspace({ name: "fc-front" });
      const r = h.run(["--handler", HANDLER, "--platform-url", front.url], {
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
      });
      expect(await r.exit).toBe(2);
      expect(oneLine(r.err())).toBe(
        `[molecule] the platform at ${front.url} answered 522 from a proxy or load balancer in front of it (page title "acme.moleculesai.app | 522: Connection timed out"): the platform behind it is down or unreachable; check it and retry`,
      );
    } finally {
      await front.close();
    }
  });

  it("a busy port: one line naming --port", async () => {
    const ws = await h.emu.admin.createWorkspace({ name: "fc-port" });
    const r = h.run(["--handler", HANDLER, "--delivery", "push", "--port", String(busyPort)], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
    });
    expect(await r.exit).toBe(2);
    expect(oneLine(r.err())).toBe(
      `[molecule] port ${busyPort} is already in use: set MOLECULE_PORT or --port to a free port, or unset it to use any free port`,
    );
  });

  it("--delivery poll on a platform without poll delivery: an error, not an agent that never hears anything", async () => {
    const ws = await old.emu.admin.createWorkspace({ name: "fc-poll" });
    const r = old.run(["--handler", HANDLER, "--delivery", "poll"], {
      MOLECULE_PLATFORM_URL: old.emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
    });
    expect(await r.exit).toBe(2);
    expect(r.out()).not.toContain("connected as");
    expect(oneLine(r.err())).toBe(
      "[molecule] this platform has no poll delivery: set MOLECULE_DELIVERY=push or --delivery push (with MOLECULE_PUBLIC_URL or --public-url when the platform runs elsewhere), or leave MOLECULE_DELIVERY or --delivery unset",
    );
  });
});
