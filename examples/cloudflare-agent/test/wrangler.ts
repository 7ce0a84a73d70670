// `wrangler dev` for the tests: the Worker in a local workerd (the npm `wrangler` package, offline),
// with the package's `dev` script flags and the given vars.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@internal/test-utils";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The flags of the package's `dev` script (`wrangler dev --log-level warn`). */
const devFlags = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { dev: string } }
).scripts.dev
  .split(/\s+/)
  .slice(2);

/** A started `wrangler dev`: `url` resolves once it serves; `stop` ends it (also before then). */
export interface Wrangler {
  url: Promise<string>;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` with `vars` and the `dev` script's flags (`--log-level warn`: at info,
 * wrangler prints each request's path, so the path secret); `url` resolves once it serves: when
 * wrangler lists the Worker in its dev registry (a folder it writes once workerd runs it), and
 * again on each later write or output until the URL answers.
 */
export async function startWrangler(vars: Record<string, string>): Promise<Wrangler> {
  for (let attempt = 1; ; attempt++) {
    const wrangler = await startOnce(vars);
    const failed = await wrangler.url.then(
      () => false,
      () => true,
    );
    // Another process may bind a port between `freePort()` and wrangler's own bind: new ports.
    if (!failed || attempt === 3 || !/Address already in use/.test(wrangler.output()))
      return wrangler;
    await wrangler.stop();
  }
}

async function startOnce(vars: Record<string, string>): Promise<Wrangler> {
  const [port, inspector] = [await freePort(), await freePort()];
  const home = mkdtempSync(join(tmpdir(), "wrangler-home-"));
  const registry = join(home, "registry");
  mkdirSync(registry);
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
      "--show-interactive-dev-session=false",
      ...devFlags,
      // The agents' Durable Object storage in the temporary home: each run starts empty.
      "--persist-to",
      join(home, "state"),
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
        WRANGLER_REGISTRY_PATH: registry,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  const watcher = watch(registry);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    watcher.close();
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const serving = new Promise<string>((resolve, reject) => {
    let listed = false;
    let trying = false;
    let again = false;
    // One GET at a time; an event during a refused one tries once more after it.
    const probe = async (): Promise<void> => {
      if (!listed) return;
      if (trying) return void (again = true);
      trying = true;
      try {
        const response = await fetch(url);
        await response.body?.cancel();
        watcher.close();
        resolve(url);
      } catch {
        trying = false;
        if (again) {
          again = false;
          void probe();
        }
      }
    };
    watcher.on("change", () => {
      listed = true;
      void probe();
    });
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      void probe();
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => reject(new Error(`wrangler dev exited ${code}:\n${output}`)));
  });
  serving.catch(() => undefined); // the caller awaits `url`
  return { url: serving, output: () => output, stop };
}
