// Every example on a first run that goes wrong against a platform (MOLECULE_PLATFORM_URL set): a
// wrong token, a removed workspace, a platform that is down, a busy port, a paused workspace. Each
// exits 1 with one line on stderr saying what to do, in the words `molecule-agent connect`
// prints (there naming the flags too: see packages/cli/test/first-contact-cli.test.ts), instead
// of a stack trace.
import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo, type Server } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  errorFront,
  freePort,
  FRONT_PAGES,
  TLS_FAILURES,
  tlsFronts,
  tlsLine,
  type TlsFailureKind,
} from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const examples = [
  "@example/quickstart",
  "@example/langchain-agent",
  "@example/ai-sdk-agent",
  "@example/nestjs-app",
] as const;

let emu: Emulator;
let april: Emulator;
let busy: Server;
let busyPort: number;
let downUrl: string;
beforeAll(async () => {
  emu = await startEmulator();
  april = await startEmulator({ compat: "2026-04" });
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as AddressInfo).port;
  downUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
});
afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  await emu.close();
  await april.close();
});

/** Runs an example's built main against a platform; resolves its exit code and output. */
function run(
  example: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = realpathSync(join(here, "..", "node_modules", example));
  const child = spawn(process.execPath, [join(dir, "dist", "main.js")], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      HOME: process.env.HOME ?? "/tmp",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/**
 * The lines on stderr that are not log lines: the SDK's (`[molecule] warn ...`, e.g. a retried
 * start-up call) and Nest's (`[Nest] <pid> ... ERROR ...`) are logs a user configures, not the
 * example's own output.
 */
const errorLines = (stderr: string): string[] =>
  stderr
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
    .trim()
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("[molecule] ") && !/^\[Nest\] \d+ /.test(l));

// The examples run at once (most of each case is a child process waiting: the start's retries
// against a platform that is down take about 15 s), each example's cases one after another, so
// that at most five cases (one per suite) and their processes run at the same time.
const oneAtATime = { concurrent: false };

describe.each(examples)(
  "%s on a first run that goes wrong",
  { timeout: 60_000, concurrent: true },
  (example) => {
    it(
      "a wrong token, a removed workspace, a platform that is down: exit 1, one line each",
      oneAtATime,
      async () => {
        const ws = await emu.admin.createWorkspace({ name: "fc" });
        const gone = await emu.admin.createWorkspace({ name: "fc-gone" });
        await emu.admin.deleteWorkspace(gone.id);
        const [token, removed, down] = await Promise.all([
          run(example, {
            MOLECULE_PLATFORM_URL: emu.url,
            MOLECULE_WORKSPACE_ID: ws.id,
            MOLECULE_WORKSPACE_TOKEN: "not-the-token",
          }),
          run(example, {
            MOLECULE_PLATFORM_URL: emu.url,
            MOLECULE_WORKSPACE_ID: gone.id,
            MOLECULE_WORKSPACE_TOKEN: gone.token!,
          }),
          run(example, {
            MOLECULE_PLATFORM_URL: downUrl,
            MOLECULE_WORKSPACE_ID: ws.id,
            MOLECULE_WORKSPACE_TOKEN: ws.token!,
          }),
        ]);
        expect([token.code, removed.code, down.code]).toEqual([1, 1, 1]);
        expect(errorLines(token.stderr)).toEqual([
          "the platform rejected the workspace token (401): set MOLECULE_WORKSPACE_TOKEN to the token the platform issued for this workspace (the canvas shows it once when the workspace is created; after a rotation, the new one)",
        ]);
        expect(errorLines(removed.stderr)).toEqual([
          `workspace ${gone.id} was removed from the platform: create a new workspace and set MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN to its id and token`,
        ]);
        expect(errorLines(down.stderr)).toEqual([
          `could not reach the platform at ${downUrl}: check MOLECULE_PLATFORM_URL and that the platform is running`,
        ]);
      },
    );

    it(
      "a SaaS tenant without MOLECULE_ORG_ID, or with another org's: exit 1, one line each",
      oneAtATime,
      async () => {
        // The tenant guard's answers (middleware/tenant_guard.go), for these two workspaces' routes.
        const missing = await emu.admin.createWorkspace({ name: "fc-org-missing" });
        const wrong = await emu.admin.createWorkspace({ name: "fc-org-wrong" });
        const removeMissing = emu.injectFault({
          path: workspaceRoutes(missing.id),
          status: 400,
          body: {
            error: "missing tenant routing header",
            code: "TENANT_ORG_HEADER_REQUIRED",
            required_header: "X-Molecule-Org-Id",
          },
          count: 1000,
        });
        const removeWrong = emu.injectFault({
          path: workspaceRoutes(wrong.id),
          status: 404,
          body: "",
          count: 1000,
        });
        try {
          const env = (ws: { id: string; token?: string | undefined }) => ({
            MOLECULE_PLATFORM_URL: emu.url,
            MOLECULE_WORKSPACE_ID: ws.id,
            MOLECULE_WORKSPACE_TOKEN: ws.token!,
          });
          const [noOrg, otherOrg] = await Promise.all([
            run(example, env(missing)),
            run(example, { ...env(wrong), MOLECULE_ORG_ID: "another-org" }),
          ]);
          expect([noOrg.code, otherOrg.code]).toEqual([1, 1]);
          expect(errorLines(noOrg.stderr)).toEqual([
            "the platform is a SaaS tenant and needs its organisation id: set MOLECULE_ORG_ID to your organisation's id (when it is set, something between here and the platform drops the X-Molecule-Org-Id header)",
          ]);
          expect(errorLines(otherOrg.stderr)).toEqual([
            `the platform answered 404 with an empty body: the org id is wrong, or workspace ${wrong.id} does not exist (a SaaS tenant answers both alike): check MOLECULE_ORG_ID and MOLECULE_WORKSPACE_ID`,
          ]);
        } finally {
          removeMissing();
          removeWrong();
        }
      },
    );

    it("a busy port (push): exit 1, one line naming MOLECULE_PORT", oneAtATime, async () => {
      const ws = await emu.admin.createWorkspace({ name: "fc-port" });
      const r = await run(example, {
        MOLECULE_PLATFORM_URL: emu.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        MOLECULE_PUBLIC_URL: `http://localhost:${busyPort}`,
        MOLECULE_PORT: String(busyPort),
        ...(example === "@example/nestjs-app" ? { MOLECULE_DELIVERY: "push" } : {}),
      });
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toEqual([
        `port ${busyPort} is already in use: set MOLECULE_PORT to a free port, or unset it to use any free port`,
      ]);
    });

    it(
      "a paused workspace: exit 1 with the way to resume it, and the workspace stays paused",
      oneAtATime,
      async () => {
        const ws = await emu.admin.createWorkspace({ name: "fc-paused" });
        await emu.admin.pause(ws.id);
        const env = {
          MOLECULE_PLATFORM_URL: emu.url,
          MOLECULE_WORKSPACE_ID: ws.id,
          MOLECULE_WORKSPACE_TOKEN: ws.token!,
        };
        const r = await run(example, env);
        expect(r.code).toBe(1);
        expect(errorLines(r.stderr)).toEqual([
          `workspace ${ws.id} is paused, and starting would resume it: to resume it, start with MOLECULE_RESUME=1 (the agent asks the platform to resume it, then registers)`,
        ]);
        expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("paused");
      },
    );
  },
);

// What answers in front of a platform that is down: nginx's and Cloudflare's error pages. The start
// ends in one line naming the front, the status and the page's title, never the page's markup.
describe("a platform behind a proxy or load balancer that answers with its error page", () => {
  const titles: Record<keyof typeof FRONT_PAGES, string> = {
    "nginx 502": "502 Bad Gateway",
    "nginx 503": "503 Service Temporarily Unavailable",
    "cloudflare 522": "acme.moleculesai.app | 522: Connection timed out",
  };
  // The quickstart with every page, the other examples with nginx's 502: one run each, at once.
  const runs = [
    ...Object.keys(FRONT_PAGES).map((page) => ["@example/quickstart", page] as const),
    ...examples.slice(1).map((example) => [example, "nginx 502"] as const),
  ] as ReadonlyArray<readonly [string, keyof typeof FRONT_PAGES]>;

  it(
    "exits 1 with one line naming it, its status and its page title",
    { timeout: 90_000 },
    async () => {
      const ws = await emu.admin.createWorkspace({ name: "fc-front" });
      const fronts = await Promise.all(
        runs.map(([, page]) => errorFront({ page: FRONT_PAGES[page] })),
      );
      try {
        const results = await Promise.all(
          runs.map(([example], i) =>
            run(example, {
              MOLECULE_PLATFORM_URL: fronts[i]!.url,
              MOLECULE_WORKSPACE_ID: ws.id,
              MOLECULE_WORKSPACE_TOKEN: ws.token!,
            }),
          ),
        );
        for (const [i, [example, page]] of runs.entries()) {
          const { status } = FRONT_PAGES[page];
          expect({
            example,
            page,
            code: results[i]!.code,
            lines: errorLines(results[i]!.stderr),
          }).toEqual({
            example,
            page,
            code: 1,
            lines: [
              `the platform at ${fronts[i]!.url} answered ${status} from a proxy or load balancer in front of it (page title "${titles[page]}"): the platform behind it is down or unreachable; check it and retry`,
            ],
          });
          expect(results[i]!.stderr).not.toMatch(/<\/?[a-z!]/i);
        }
      } finally {
        await Promise.all(fronts.map((f) => f.close()));
      }
    },
  );
});

// A platform whose TLS certificate this process refuses (a private CA's leaf, a self-signed one,
// another host's, an expired one, one not valid yet): the shipped quickstart ends at once, in one
// line naming the cause and the fix (docs/deployment.md, "TLS certificate errors").
describe("a platform whose certificate fails", () => {
  it(
    "the quickstart exits 1 with one line naming the cause and the fix",
    { timeout: 60_000 },
    async () => {
      const ws = await emu.admin.createWorkspace({ name: "fc-tls" });
      const fronts = await tlsFronts(emu.url);
      // The CA that signs the host-name and validity fronts is trusted, so each fails for its reason.
      const dir = mkdtempSync(join(tmpdir(), "fc-tls-"));
      const caFile = join(dir, "ca.pem");
      writeFileSync(caFile, fronts.ca.caPem);
      try {
        const kinds = Object.keys(TLS_FAILURES) as TlsFailureKind[];
        const results = await Promise.all(
          kinds.map((kind) =>
            run("@example/quickstart", {
              MOLECULE_PLATFORM_URL: fronts.failing[kind].url,
              MOLECULE_WORKSPACE_ID: ws.id,
              MOLECULE_WORKSPACE_TOKEN: ws.token!,
              NODE_EXTRA_CA_CERTS: caFile,
            }),
          ),
        );
        for (const [i, kind] of kinds.entries()) {
          const url = fronts.failing[kind].url;
          expect({ kind, code: results[i]!.code }).toEqual({ kind, code: 1 });
          expect(errorLines(results[i]!.stderr)).toEqual([
            expect.stringMatching(tlsLine(kind, url)),
          ]);
        }
      } finally {
        await fronts.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** Every route of workspace `id`. */
const workspaceRoutes = (id: string): RegExp => new RegExp(`^/workspaces/${id}(/|$)`);

describe(
  "@example/nestjs-app with MOLECULE_DELIVERY=poll on the April 2026 platform",
  { concurrent: true },
  () => {
    it("exits 1 with one line instead of printing that it is online", async () => {
      const ws = await april.admin.createWorkspace({ name: "fc-nest-poll" });
      const r = await run("@example/nestjs-app", {
        MOLECULE_PLATFORM_URL: april.url,
        MOLECULE_WORKSPACE_ID: ws.id,
        MOLECULE_WORKSPACE_TOKEN: ws.token!,
        MOLECULE_DELIVERY: "poll",
      });
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain("online");
      expect(errorLines(r.stderr)).toEqual([
        "this platform has no poll delivery: set MOLECULE_DELIVERY=push (with MOLECULE_PUBLIC_URL when the platform runs elsewhere), or leave MOLECULE_DELIVERY unset",
      ]);
    });
  },
);
