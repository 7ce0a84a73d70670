import { homedir } from "node:os";
import path from "node:path";
import type { InstallPluginOptions } from "@molecule-ai/agent-core/plugins";
import { isMoleculeError, type Logger, type PlatformClient } from "@molecule-ai/agent-core";
import { Option, type Command } from "commander";
import { addPlatformOptions, clientFromFlags, type PlatformFlags } from "../platform-flags.js";
import { warnIfTokenOnArgv } from "./secrets.js";

/**
 * `@molecule-ai/agent-core/plugins` (with tar and yaml), loaded when a plugin command runs: the
 * program registers every command, and `connect` would otherwise hold them unused (issue 101).
 */
const plugins = () => import("@molecule-ai/agent-core/plugins");

const PREFIX = "molecule-agent plugin:";
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where `molecule-agent plugin` writes; the defaults are the process's stdout and stderr. */
export interface PluginCommandIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: PluginCommandIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Options of `molecule-agent plugin install` after parsing (env already applied). */
export interface PluginInstallCommandOptions extends PlatformFlags {
  source?: string;
  dir?: string;
  runSetup?: boolean;
  setupTimeout?: string;
  sha256?: string;
  report?: boolean;
  json?: boolean;
}

/** Adds `molecule-agent plugin hash|verify|install`. */
export function registerPluginCommand(program: Command): void {
  const plugin = program
    .command("plugin")
    .description("Install plugins from the platform and compute or check their manifest hash.");

  plugin
    .command("hash")
    .description(
      "Print the manifest sha256 of a plugin folder (the value for plugin.yaml's `sha256`).",
    )
    .argument("<dir>", "plugin folder")
    .action(async (dir: string) => {
      process.exitCode = await runPluginHash(dir);
    });

  plugin
    .command("verify")
    .description(
      "Check a plugin folder against a sha256 (default: the `sha256` its plugin.yaml declares).",
    )
    .argument("<dir>", "plugin folder")
    .argument("[sha256]", "expected manifest hash (64 lowercase hex characters)")
    .action(async (dir: string, sha256: string | undefined) => {
      process.exitCode = await runPluginVerify(dir, sha256);
    });

  const install = plugin
    .command("install")
    .description(
      "Download a plugin from the platform, verify it and install it atomically (setup.sh runs only with --run-setup).",
    )
    .argument("<name>", "plugin name")
    .addOption(
      new Option(
        "--source <source>",
        "plugin source, e.g. local://name or github://owner/repo#ref",
      ),
    )
    .addOption(
      new Option("--dir <dir>", "plugins folder (default: ~/.molecule/<workspace-id>/plugins)").env(
        "MOLECULE_PLUGINS_DIR",
      ),
    )
    .option("--run-setup", "run the plugin's setup.sh after installing (never by default)")
    .addOption(
      new Option("--setup-timeout <ms>", "setup.sh time limit in milliseconds (default 120000)"),
    )
    .addOption(new Option("--sha256 <hex>", "expected manifest hash, from a source you trust"))
    .option("--no-report", "do not report the install to the platform")
    .option("--json", "print the result as JSON");
  addPlatformOptions(install).action(
    async (name: string, opts: PluginInstallCommandOptions, command: Command) => {
      warnIfTokenOnArgv(command, (t) => process.stderr.write(t), PREFIX);
      process.exitCode = await runPluginInstall(name, opts);
    },
  );
}

/** `molecule-agent plugin hash <dir>`: prints the hash; exit 0, or 2 when the folder cannot be read. */
export async function runPluginHash(dir: string, io: PluginCommandIO = processIO): Promise<number> {
  try {
    io.out(`${await (await plugins()).computePluginHash(dir)}\n`);
    return 0;
  } catch (err) {
    io.err(`${PREFIX} cannot hash ${dir}: ${(err as Error).message}\n`);
    return 2;
  }
}

/**
 * `molecule-agent plugin verify <dir> [sha256]`: exit 0 when the folder matches, 1 on a mismatch,
 * 2 on bad input (malformed hash, unreadable folder, no hash given or declared).
 */
export async function runPluginVerify(
  dir: string,
  expected: string | undefined,
  io: PluginCommandIO = processIO,
): Promise<number> {
  let want = expected;
  let from = "argument";
  if (want === undefined) {
    try {
      want = await (await plugins()).readDeclaredPluginSha256(dir);
    } catch (err) {
      io.err(`${PREFIX} ${(err as Error).message}\n`);
      return 2;
    }
    from = "plugin.yaml";
    if (want === undefined) {
      io.err(
        `${PREFIX} no sha256 given and ${path.join(dir, "plugin.yaml")} declares none; pass one: plugin verify <dir> <sha256>\n`,
      );
      return 2;
    }
  }
  if (!SHA256_HEX.test(want)) {
    io.err(
      `${PREFIX} the expected sha256 (${from}) must be 64 lowercase hex characters, got ${JSON.stringify(want)}\n`,
    );
    return 2;
  }
  let actual: string;
  try {
    actual = await (await plugins()).computePluginHash(dir);
  } catch (err) {
    io.err(`${PREFIX} cannot hash ${dir}: ${(err as Error).message}\n`);
    return 2;
  }
  if (actual !== want) {
    io.err(`${PREFIX} sha256 mismatch for ${dir}: expected ${want} (${from}), got ${actual}\n`);
    return 1;
  }
  io.out(`OK ${actual}\n`);
  return 0;
}

/**
 * `molecule-agent plugin install <name>`: exit 0 when installed, 1 when the install failed (the
 * previous install is untouched), 2 on bad input.
 */
export async function runPluginInstall(
  name: string,
  opts: PluginInstallCommandOptions,
  io: PluginCommandIO = processIO,
): Promise<number> {
  let setupTimeoutMs: number | undefined;
  if (opts.setupTimeout !== undefined) {
    setupTimeoutMs = Number(opts.setupTimeout);
    if (!Number.isFinite(setupTimeoutMs) || setupTimeoutMs <= 0) {
      io.err(
        `${PREFIX} --setup-timeout must be a positive number of milliseconds, got ${JSON.stringify(opts.setupTimeout)}\n`,
      );
      return 2;
    }
  }
  let client: PlatformClient;
  try {
    client = clientFromFlags(opts, 2);
  } catch (err) {
    io.err(`${PREFIX} ${(err as Error).message}\n`);
    return 2;
  }
  const logger: Logger = {
    warn: (msg) => io.err(`${PREFIX} warning: ${msg}\n`),
    error: (msg) => io.err(`${PREFIX} error: ${msg}\n`),
  };
  const options: InstallPluginOptions = {
    logger,
    runSetup: opts.runSetup === true,
    report: opts.report !== false,
    ...(opts.source ? { source: opts.source } : {}),
    ...(opts.dir ? { dir: expandHome(opts.dir) } : {}),
    ...(opts.sha256 ? { sha256: opts.sha256 } : {}),
    ...(setupTimeoutMs === undefined ? {} : { setupTimeoutMs }),
  };
  try {
    const result = await (await plugins()).installPlugin(client, name, options);
    if (opts.json) {
      io.out(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.out(
        `installed ${result.name} -> ${result.path}\n` +
          `  ${result.files} files, ${result.bytes} bytes, sha256 ${result.sha256}` +
          `${result.verified ? " (verified)" : " (no expected sha256 to verify against)"}\n` +
          (result.replaced ? "  replaced the previous install\n" : "") +
          (result.skipped.length > 0 ? `  skipped ${result.skipped.length} link(s)\n` : ""),
      );
      if (result.setup) {
        const s = result.setup;
        io.out(
          `  setup.sh: ${s.ok ? "ok" : `failed (${s.error ?? `exit code ${String(s.exitCode)}`})`} in ${s.durationMs} ms\n`,
        );
        if (s.stdout) io.out(indent(s.stdout));
        if (s.stderr) io.err(indent(s.stderr));
      }
    }
    return result.setup && !result.setup.ok ? 1 : 0;
  } catch (err) {
    const code = isMoleculeError(err) ? ` [${err.code}]` : "";
    io.err(`${PREFIX} install of ${name} failed${code}: ${(err as Error).message}\n`);
    return isMoleculeError(err, "invalid_name") ||
      isMoleculeError(err, "invalid_sha256") ||
      isMoleculeError(err, "invalid_options")
      ? 2
      : 1;
  } finally {
    await client.close();
  }
}

function indent(text: string): string {
  return `${text.replace(/\n$/, "").replace(/^/gm, "    | ")}\n`;
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}
