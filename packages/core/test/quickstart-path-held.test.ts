// The README quickstart as shipped, in a child process (issue 99): answers it finished while the
// path to the platform refused them mid-run (a WAF's 403 page in front of the reply route; a
// forward proxy answering 407 for it) are held, never dead-lettered, and delivered once each when
// the path passes again; meanwhile it prints one line for the cause, and one when the path is back.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  canvasSend,
  errorFront,
  forwardProxy,
  FRONT_REFUSAL_PAGES,
  readmeBlock,
  waitFor,
} from "@internal/test-utils";

let emu: Emulator;
let dir: string;
let code: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "quickstart-held-"));
  code = await readmeBlock(new URL("../README.md", import.meta.url), "## Quickstart");
});
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** The reply route of a canvas message (`/notify`), as a front or a proxy sees a request. */
const NOTIFY = /^POST \S*\/workspaces\/[^/]+\/notify$/;

/** The quickstart running as workspace `id`, and its stderr lines (its logger's). */
async function quickstart(
  id: string,
  token: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; err: string[] }> {
  const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      MOLECULE_STATE_DIR: join(dir, id),
      MOLECULE_WORKSPACE_ID: id,
      MOLECULE_WORKSPACE_TOKEN: token,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
  });
  let out = "";
  const err: string[] = [];
  let partial = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    err.push(...lines);
  });
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  await waitFor(() => out.includes("connected as workspace") || child.exitCode !== null, {
    timeoutMs: 30_000,
  });
  expect(out).toContain("connected as workspace");
  return { child, err };
}

/** Canvas notifications of workspace `id` carrying the quickstart's answer to `text`. */
function answers(id: string, text: string): number {
  return emu
    .activity(id)
    .filter((r) => r["method"] === "notify" && JSON.stringify(r).includes(`You said: ${text}"`))
    .length;
}

/**
 * Two messages answered while `fault` refuses the reply route: each answer refused at least
 * `refusals()` / 2 times (past maxAttempts, 3), held with one warning line matching `named`, then
 * delivered once each after `fault.off()`, with one line saying so.
 */
async function heldThrough(
  env: Record<string, string>,
  fault: { on(): void; off(): void; refusals(): number },
  named: RegExp,
): Promise<unknown> {
  const ws = await emu.admin.createWorkspace({ name: "quickstart", deliveryMode: "poll" });
  const { child, err } = await quickstart(ws.id, ws.token!, env);
  const mark = err.length;
  fault.on();
  for (const text of ["first", "second"]) {
    const sent = await canvasSend(emu.url, ws.id, text, [], { adminToken: emu.adminToken });
    expect(sent.status).toBe(200);
  }
  // Each answer refused 4 times (the code before this dead-lettered it at the first refusal).
  await waitFor(() => fault.refusals() >= 8 || err.some((l) => /could not be delivered/.test(l)), {
    timeoutMs: 45_000,
  });
  const warned = (from: number): string[] =>
    err.slice(from).filter((l) => /^\[molecule\] (warn|error) /.test(l));
  const during = warned(mark);
  expect(during).toHaveLength(1);
  expect(during[0]).toMatch(named);
  fault.off();
  await waitFor(() => err.some((l) => /path to the platform is back/.test(l)), {
    timeoutMs: 45_000,
  });
  expect([answers(ws.id, "first"), answers(ws.id, "second")]).toEqual([1, 1]);
  expect(warned(mark).slice(1)).toEqual([
    expect.stringMatching(/path to the platform is back .*; 2 held answers delivered/),
  ]);
  expect(err.join("\n")).not.toMatch(/dead-letter|could not be delivered/);
  child.kill("SIGINT");
  return await new Promise((resolve) => child.once("exit", resolve));
}

describe(
  "the README quickstart when the path refuses its answers mid-run",
  { timeout: 120_000 },
  () => {
    it("a WAF's 403 page in front of the reply route: held, named, delivered once after", async () => {
      const front = await errorFront({ upstream: emu.url, page: FRONT_REFUSAL_PAGES["waf 403"] });
      cleanups.push(() => front.close());
      const exit = await heldThrough(
        { MOLECULE_PLATFORM_URL: front.url },
        {
          on: () => front.failing((line) => NOTIFY.test(line)),
          off: () => front.failing(false),
          refusals: () => front.paged.length,
        },
        /fails at the front .*: 403 \(page title "Attention Required! \| Cloudflare"\); holding \d+ answers? since/,
      );
      expect(exit).toBe(0);
    });

    it("a forward proxy answering 407 for the reply route: held, named, delivered once after", async () => {
      const proxy = await forwardProxy();
      cleanups.push(() => proxy.close());
      const exit = await heldThrough(
        { MOLECULE_PLATFORM_URL: emu.url, HTTP_PROXY: proxy.url },
        {
          on: () => proxy.refusing((line) => NOTIFY.test(line)),
          off: () => proxy.refusing(false),
          refusals: () => proxy.refused,
        },
        /fails at the proxy: .*407.*; holding \d+ answers? since/,
      );
      expect(exit).toBe(0);
    });
  },
);
