// installPlugin: download, verified-safe extraction into staging, hash check, atomic swap.
import type { Logger } from "../transport/index.js";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { parse as parseYaml } from "yaml";
import { isPluginInstallError, PluginInstallError } from "./errors.js";
import {
  extractPluginArchive,
  resolvePluginLimits,
  type PluginLimits,
  type SkippedPluginEntry,
} from "./extract.js";
import { assertSha256, computePluginHash } from "./hash.js";
import { runPluginSetup, type PluginSetupResult } from "./setup.js";

/** Valid plugin names (the platform's own rule). */
export const PLUGIN_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * What `installPlugin` needs from a platform client; `PlatformClient` satisfies it.
 */
export interface PluginSourceClient {
  /** The workspace id, used for the default install folder. */
  readonly workspaceId?: string;
  /** Streams `GET /workspaces/:id/plugins/:name/download[?source=]` (the body must not be buffered). */
  downloadPlugin(
    name: string,
    options?: { source?: string; signal?: AbortSignal },
  ): Promise<{ body: Readable; contentLength?: number }>;
  /** Best-effort `POST /workspaces/:id/plugins`; resolves false when the platform declines. */
  recordPluginInstall?(
    name: string,
    options?: { source?: string; signal?: AbortSignal },
  ): Promise<boolean>;
}

/** Options of {@link installPlugin}. */
export interface InstallPluginOptions {
  /** Plugin source (`local://name`, `github://owner/repo#ref`, ...); the platform's default is `local://<name>`. */
  source?: string;
  /** Folder holding installed plugins; the plugin goes to `<dir>/<name>`. Default {@link defaultPluginsDir}. */
  dir?: string;
  /** Run the plugin's `setup.sh` after installing. Default false: never run platform-served code unasked. */
  runSetup?: boolean;
  /** Time limit of `setup.sh` in milliseconds (default 120 000). */
  setupTimeoutMs?: number;
  /** Environment of `setup.sh` (default: a minimal one, see `runPluginSetup`). */
  setupEnv?: Record<string, string | undefined>;
  /**
   * The manifest hash you expect (from a source you trust, not from the archive). When set, the
   * install fails unless the unpacked tree hashes to it. A `sha256` in `plugin.yaml` is always checked too.
   */
  sha256?: string;
  /** Overrides of the extraction limits (see `DEFAULT_PLUGIN_LIMITS`). */
  limits?: Partial<PluginLimits>;
  /** Receives warnings (skipped links, failed setup, declined report). */
  logger?: Logger;
  /** Cancels the install; the previous install is then untouched. */
  signal?: AbortSignal;
  /** Tell the platform about the install (best effort). Default true. */
  report?: boolean;
}

/** What {@link installPlugin} did. */
export interface PluginInstallResult {
  /** The plugin name. */
  name: string;
  /** Absolute path of the installed plugin folder. */
  path: string;
  /** The source asked for, if any. */
  source?: string;
  /** Manifest hash of the installed tree (see `computePluginHash`). */
  sha256: string;
  /** True when the tree was checked against an expected hash (`options.sha256` or `plugin.yaml`). */
  verified: boolean;
  /** Regular files written. */
  files: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Links skipped during extraction (never extracted, for security). */
  skipped: SkippedPluginEntry[];
  /** True when a previous install was replaced. */
  replaced: boolean;
  /** The `setup.sh` outcome, when `runSetup` was true and the plugin has one. */
  setup?: PluginSetupResult;
  /** True when the platform acknowledged the install report. */
  reported: boolean;
}

/**
 * The default plugins folder of a workspace: `~/.molecule/<workspaceId>/plugins`
 * (next to the token file of the Python reference SDK).
 */
export function defaultPluginsDir(workspaceId: string): string {
  if (!workspaceId || workspaceId === "." || workspaceId === ".." || /[/\\\0]/.test(workspaceId)) {
    throw new PluginInstallError(
      "invalid_options",
      `Cannot derive a plugins folder from workspace id ${JSON.stringify(workspaceId)}; pass options.dir.`,
    );
  }
  return path.join(homedir(), ".molecule", workspaceId, "plugins");
}

/** Throws `invalid_name` unless `name` is a valid plugin name. */
function assertPluginName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !PLUGIN_NAME_PATTERN.test(name)) {
    throw new PluginInstallError(
      "invalid_name",
      `Invalid plugin name ${typeof name === "string" ? JSON.stringify(name.slice(0, 140)) : typeof name}: ` +
        "use 1-128 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit.",
    );
  }
}

/**
 * Downloads plugin `name` from the platform and installs it into `<dir>/<name>`:
 *
 * 1. streams the archive through gunzip into a fresh staging folder `<dir>/.staging-<name>-<random>`
 *    with `extractPluginArchive` (limits, path checks, links skipped, devices refused);
 * 2. verifies the tree's manifest hash against `options.sha256` and the `sha256` declared in
 *    `plugin.yaml` (if any), in staging, before anything is replaced;
 * 3. moves the previous install aside, renames staging into place, then deletes the old copy
 *    (restoring it if the rename fails);
 * 4. runs `bash setup.sh` only if `runSetup` is true, with a time limit and captured output;
 * 5. reports the install to the platform, best effort (a 503 from the baseline server for an
 *    external workspace is expected and not an error).
 *
 * On any failure before step 3 completes, the previous install is untouched and no staging
 * folder is left behind.
 * @throws PluginInstallError (or the signal's reason when aborted)
 */
export async function installPlugin(
  client: PluginSourceClient,
  name: string,
  options: InstallPluginOptions = {},
): Promise<PluginInstallResult> {
  assertPluginName(name);
  const limits = resolvePluginLimits(options.limits);
  if (options.sha256 !== undefined) assertSha256(options.sha256, "options.sha256");
  const { source, signal, logger } = options;
  signal?.throwIfAborted();

  let pluginsDir: string;
  if (options.dir !== undefined) pluginsDir = path.resolve(options.dir);
  else if (client.workspaceId) pluginsDir = defaultPluginsDir(client.workspaceId);
  else
    throw new PluginInstallError(
      "invalid_options",
      "No install folder: pass options.dir or use a client with a workspaceId.",
    );

  const target = path.join(pluginsDir, name);
  let staging: string;
  try {
    await mkdir(pluginsDir, { recursive: true });
    staging = await mkdtemp(path.join(pluginsDir, `.staging-${name}-`));
  } catch (err) {
    throw new PluginInstallError(
      "install_failed",
      `Cannot create a staging folder in ${pluginsDir}: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }

  let extracted: Awaited<ReturnType<typeof extractPluginArchive>>;
  let sha256: string;
  let verified = false;
  let replaced: boolean;
  try {
    let download: { body: Readable; contentLength?: number };
    try {
      download = await client.downloadPlugin(
        name,
        source === undefined ? { signal } : { source, signal },
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw downloadError(name, err);
    }
    extracted = await extractPluginArchive(download.body, staging, {
      limits,
      logger,
      signal,
      ...(download.contentLength === undefined ? {} : { contentLength: download.contentLength }),
    });
    const declared = await readDeclaredPluginSha256(staging);
    sha256 = await computePluginHash(staging);
    for (const [expected, from] of [
      [options.sha256, "options.sha256"],
      [declared, "plugin.yaml"],
    ] as const) {
      if (expected === undefined) continue;
      if (expected !== sha256) {
        throw new PluginInstallError(
          "sha256_mismatch",
          `Plugin ${name} sha256 mismatch: ${from} expects ${expected}, the downloaded tree hashes to ${sha256}. ` +
            "Nothing was installed and setup.sh was not run; check the plugin source.",
        );
      }
      verified = true;
    }
    signal?.throwIfAborted();
    replaced = await swapIntoPlace(staging, target, pluginsDir, name, logger);
  } catch (err) {
    await removeTree(staging);
    throw err;
  }

  const result: PluginInstallResult = {
    name,
    path: target,
    sha256,
    verified,
    files: extracted.files,
    bytes: extracted.bytes,
    skipped: extracted.skipped,
    replaced,
    reported: false,
  };
  if (source !== undefined) result.source = source;

  if (options.runSetup === true) {
    const script = await lstat(path.join(target, "setup.sh")).catch(() => undefined);
    if (script?.isFile()) {
      result.setup = await runPluginSetup(target, {
        name,
        ...(options.setupTimeoutMs === undefined ? {} : { timeoutMs: options.setupTimeoutMs }),
        ...(options.setupEnv === undefined ? {} : { env: options.setupEnv }),
        ...(signal === undefined ? {} : { signal }),
      });
      if (!result.setup.ok) {
        logger?.warn?.(
          `plugin ${name}: setup.sh failed (${result.setup.error ?? `exit code ${String(result.setup.exitCode)}`}); the plugin files are installed`,
          {
            exitCode: result.setup.exitCode,
            timedOut: result.setup.timedOut,
            stderr: result.setup.stderr.slice(-2000),
          },
        );
      }
    } else {
      logger?.info?.(`plugin ${name}: runSetup requested but the plugin has no setup.sh`);
    }
  }

  if (options.report !== false && client.recordPluginInstall) {
    try {
      result.reported = await client.recordPluginInstall(
        name,
        source === undefined ? { signal } : { source, signal },
      );
    } catch (err) {
      result.reported = false;
      logger?.debug?.(
        `plugin ${name}: reporting the install to the platform failed: ${(err as Error)?.message}`,
      );
    }
    if (!result.reported) {
      logger?.debug?.(
        `plugin ${name}: the platform did not record the install (expected for external workspaces)`,
      );
    }
  }
  return result;
}

/**
 * The `sha256` declared in `<dir>/plugin.yaml`, or undefined when there is no manifest or it
 * declares none.
 * @throws PluginInstallError `invalid_manifest` when plugin.yaml is not valid YAML, not a mapping,
 *   or its `sha256` is not a 64-character lowercase hex string (fail-closed).
 */
export async function readDeclaredPluginSha256(dir: string): Promise<string | undefined> {
  const file = path.join(dir, "plugin.yaml");
  const st = await lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile())
    throw new PluginInstallError(
      "invalid_manifest",
      "plugin.yaml in the plugin archive is not a regular file.",
    );
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, "utf8"));
  } catch (err) {
    throw new PluginInstallError(
      "invalid_manifest",
      `plugin.yaml is not valid YAML (${(err as Error).message.split("\n")[0]}); fix the plugin's manifest.`,
      { cause: err },
    );
  }
  if (doc === null || doc === undefined) return undefined;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new PluginInstallError(
      "invalid_manifest",
      "plugin.yaml must be a YAML mapping; fix the plugin's manifest.",
    );
  }
  const declared = (doc as Record<string, unknown>)["sha256"];
  if (declared === undefined || declared === null || declared === "" || declared === false)
    return undefined;
  if (typeof declared === "number" || typeof declared === "bigint") {
    throw new PluginInstallError(
      "invalid_manifest",
      "plugin.yaml sha256 was read as a number; write it as a quoted 64-character lowercase hex string.",
    );
  }
  try {
    assertSha256(declared, "plugin.yaml sha256");
  } catch (err) {
    throw new PluginInstallError("invalid_manifest", (err as Error).message, { cause: err });
  }
  return declared;
}

async function swapIntoPlace(
  staging: string,
  target: string,
  pluginsDir: string,
  name: string,
  logger: Logger | undefined,
): Promise<boolean> {
  let old: string | undefined = path.join(
    pluginsDir,
    `.old-${name}-${randomBytes(4).toString("hex")}`,
  );
  try {
    await rename(target, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new PluginInstallError(
        "install_failed",
        `Cannot move the previous install of ${name} aside: ${(err as Error).message}.`,
        {
          cause: err,
        },
      );
    }
    old = undefined;
  }
  try {
    await rename(staging, target);
  } catch (err) {
    if (old !== undefined) {
      await rename(old, target).catch((restoreErr: unknown) => {
        logger?.error?.(
          `plugin ${name}: could not restore the previous install from ${old}: ${(restoreErr as Error).message}`,
        );
      });
    }
    throw new PluginInstallError(
      "install_failed",
      `Cannot move the new install of ${name} into place: ${(err as Error).message}.`,
      {
        cause: err,
      },
    );
  }
  if (old !== undefined) {
    await rm(old, { recursive: true, force: true, maxRetries: 3 }).catch((err: unknown) => {
      logger?.warn?.(
        `plugin ${name}: could not delete the replaced install ${old}: ${(err as Error).message}`,
      );
    });
  }
  return old !== undefined;
}

async function removeTree(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 }).catch(
      () => undefined,
    );
    if (!(await lstat(dir).catch(() => undefined))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function downloadError(name: string, err: unknown): PluginInstallError {
  if (isPluginInstallError(err)) return err;
  const e = err as { status?: unknown; retryable?: unknown; message?: unknown };
  const status = typeof e?.status === "number" ? e.status : undefined;
  const hint =
    status === 404
      ? "check the plugin name and source."
      : status === 401 || status === 403
        ? "check the workspace token."
        : status === 422
          ? "pin the github source to a ref (github://owner/repo#ref)."
          : "retry later.";
  return new PluginInstallError(
    "download_failed",
    `Downloading plugin ${name} failed${status === undefined ? "" : ` (HTTP ${status})`}: ${String(e?.message ?? err)}; ${hint}`,
    {
      cause: err,
      ...(status === undefined ? {} : { status }),
      retryable:
        typeof e?.retryable === "boolean"
          ? e.retryable
          : status === undefined || status >= 500 || status === 429,
    },
  );
}
