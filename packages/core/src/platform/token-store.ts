// Token stores: where the workspace bearer token lives between runs.
import {
  basename,
  chmod,
  dirname,
  homedir,
  join,
  mkdir,
  open,
  PROCESS_ID,
  randomHex,
  readFile,
  rename,
  unlink,
} from "../runtime/index.js";
import { MoleculeError, requireFileSystem } from "../transport/index.js";
import { inspectCustom, REDACTED } from "../transport/index.js";

/** Persists the workspace bearer token. */
export interface TokenStore {
  /** The stored token, or `undefined` when none is stored. */
  load(): Promise<string | undefined>;
  /** Stores `token` (replacing any previous one). */
  save(token: string): Promise<void>;
  /** Forgets the stored token. */
  clear?(): Promise<void>;
}

/** Keeps the token in memory only (tests, short-lived processes, tokens from a secret manager). */
export class MemoryTokenStore implements TokenStore {
  #token: string | undefined;

  constructor(token?: string) {
    this.#token = token?.trim() || undefined;
  }

  async load(): Promise<string | undefined> {
    return this.#token;
  }

  async save(token: string): Promise<void> {
    this.#token = checkToken(token);
  }

  async clear(): Promise<void> {
    this.#token = undefined;
  }

  [inspectCustom](): string {
    return `MemoryTokenStore { token: ${this.#token ? REDACTED : "undefined"} }`;
  }

  toJSON(): object {
    return { token: this.#token ? REDACTED : undefined };
  }
}

function checkToken(token: string): string {
  const t = typeof token === "string" ? token.trim() : "";
  if (t === "") {
    throw new MoleculeError("refusing to save an empty token; pass the token the platform issued", {
      code: "invalid_argument",
    });
  }
  if (/[\r\n]/.test(t)) {
    throw new MoleculeError(
      "refusing to save a token that contains a line break; pass the token exactly as the platform issued it",
      {
        code: "invalid_argument",
      },
    );
  }
  return t;
}

/** Options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions {
  /** The workspace id (names the default directory). */
  workspaceId: string;
  /** Directory holding `.auth_token`; default `~/.molecule/<workspaceId>`. */
  dir?: string;
  /**
   * A token file of the operator's (`MOLECULE_WORKSPACE_TOKEN_FILE`), instead of
   * `<dir>/.auth_token`. It must hold the token: a file that is missing, unreadable, blank or of
   * more than one line fails `load()` with `token_file_unreadable` (never another token instead).
   * `save()` replaces it atomically and leaves its directory's mode alone.
   */
  file?: string | undefined;
}

/**
 * Stores the token where the Python reference SDK does: `~/.molecule/<workspaceId>/.auth_token`,
 * the token alone with no trailing newline, in a directory with mode 0700.
 *
 * Unlike the reference, the file is created with mode 0600 from its first byte and written
 * atomically (a private temp file, fsync, then rename over the old file), so concurrent writers in
 * different processes never leave an empty or partial file: the last rename wins and readers see
 * either the old token or the new one.
 */
export class FileTokenStore implements TokenStore {
  /** Directory holding the token file. */
  readonly dir: string;
  /** Full path of the token file. */
  readonly path: string;
  /** Whether the file is the operator's (`file`): it must exist and hold exactly one token. */
  readonly #required: boolean;

  constructor(options: FileTokenStoreOptions) {
    requireFileSystem("FileTokenStore", "use a MemoryTokenStore or a TokenStore of your own");
    this.#required = options.file !== undefined;
    if (options.file !== undefined) {
      if (
        typeof options.file !== "string" ||
        options.file.trim() === "" ||
        options.file.includes("\0")
      )
        throw new MoleculeError(
          `the token file must be a path (MOLECULE_WORKSPACE_TOKEN_FILE); got ${JSON.stringify(options.file)}`,
          { code: "invalid_argument" },
        );
      this.path = options.file;
      this.dir = dirname(options.file);
      return;
    }
    const id = options.workspaceId;
    if (options.dir === undefined && (!id || /[/\\]|^\.\.?$/.test(id) || id.includes("\0"))) {
      throw new MoleculeError(
        `workspaceId ${JSON.stringify(id)} cannot name a token directory; pass a plain workspace id or an explicit dir`,
        { code: "invalid_argument" },
      );
    }
    this.dir = options.dir ?? join(homedir(), ".molecule", id);
    this.path = join(this.dir, ".auth_token");
  }

  async load(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !this.#required) return undefined;
      if (this.#required) throw this.#unreadable("cannot be read", err);
      throw new MoleculeError(`could not read the token file ${this.path}; check its permissions`, {
        code: "token_store_error",
        cause: err,
      });
    }
    const token = text.trim();
    if (!this.#required) return token === "" ? undefined : token;
    if (token === "") throw this.#unreadable("is empty");
    if (/[\r\n]/.test(token)) throw this.#unreadable("holds more than one line");
    return token;
  }

  /** The operator's token file is unusable: a hard error, never another token instead (#2934). */
  #unreadable(why: string, cause?: unknown): MoleculeError {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    return new MoleculeError(
      `the token file ${this.path} (MOLECULE_WORKSPACE_TOKEN_FILE) ${why}${code ? ` (${code})` : ""}: write the workspace token into it (one line), or unset the variable`,
      { code: "token_file_unreadable", cause },
    );
  }

  async save(token: string): Promise<void> {
    const value = checkToken(token);
    const stem = this.#required ? `.${basename(this.path)}` : ".auth_token";
    const tmp = join(this.dir, `${stem}.${PROCESS_ID}.${randomHex(6)}.tmp`);
    let handle;
    try {
      if (!this.#required) {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await chmod(this.dir, 0o700).catch(() => undefined);
      }
      // "wx": O_CREAT | O_EXCL — a fresh private file, 0600 from the first byte.
      handle = await open(tmp, "wx", 0o600);
      await handle.writeFile(value, "utf8");
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(tmp, this.path);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw new MoleculeError(
        `could not write the token file ${this.path} (${err instanceof Error ? err.message : String(err)}); make the folder writable, or give the token store a dir on a writable one`,
        {
          code: "token_store_error",
          cause: err,
        },
      );
    }
    // Best effort: make the rename durable.
    try {
      const dirHandle = await open(this.dir, "r");
      await dirHandle.sync().catch(() => undefined);
      await dirHandle.close();
    } catch {
      /* directories cannot be opened on every platform */
    }
  }

  async clear(): Promise<void> {
    await unlink(this.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
