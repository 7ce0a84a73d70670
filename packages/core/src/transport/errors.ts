// Typed errors of the SDK. Every error carries `status` (when an HTTP response caused it), a stable
// machine `code`, `retryable`, the (redacted) response body, and a message that says what to do.
// Errors never contain request headers or tokens.
import { hasFileSystem, NODE_FLOOR, UNSUPPORTED_NODE } from "../runtime/index.js";

const BRAND = Symbol.for("@molecule-ai/agent-core/MoleculeError");

/** Options shared by every {@link MoleculeError} constructor. */
export interface MoleculeErrorOptions {
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
  /** Stable machine-readable code, e.g. `"unauthorized"`, `"rate_limited"`, `"peer_unreachable"`. */
  code?: string;
  /** Whether repeating the same call later may succeed. */
  retryable?: boolean;
  /** The response body (parsed JSON or text), with secrets redacted. */
  body?: unknown;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error the SDK raises. */
export class MoleculeError extends Error {
  /** HTTP status of the response that caused the error, when there was one. */
  readonly status: number | undefined;
  /** Stable machine-readable code. */
  readonly code: string;
  /** Whether repeating the same call later may succeed. */
  readonly retryable: boolean;
  /** The response body (parsed JSON or text), with secrets redacted. */
  readonly body: unknown;

  constructor(message: string, options: MoleculeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code ?? "molecule_error";
    this.retryable = options.retryable ?? false;
    this.body = options.body;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }
}

/** The platform rejected the credentials (401) or the caller may not do this (403). */
export class MoleculeAuthError extends MoleculeError {
  constructor(message: string, options: MoleculeErrorOptions = {}) {
    super(message, {
      code: options.status === 403 ? "forbidden" : "unauthorized",
      ...options,
      retryable: false,
    });
  }
}

/** The platform answered 404 for the resource. */
export class MoleculeNotFoundError extends MoleculeError {
  constructor(message: string, options: MoleculeErrorOptions = {}) {
    super(message, { code: "not_found", status: 404, ...options, retryable: false });
  }
}

/** The platform answered 429 and retries were exhausted (or not allowed for this call). */
export class MoleculeRateLimitError extends MoleculeError {
  /** How long the platform asked to wait, in milliseconds (from `Retry-After`, when usable). */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: MoleculeErrorOptions & { retryAfterMs?: number | undefined } = {},
  ) {
    super(message, { code: "rate_limited", status: 429, ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The call did not complete within its timeout. */
export class MoleculeTimeoutError extends MoleculeError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, options: MoleculeErrorOptions & { timeoutMs: number }) {
    super(message, { code: "timeout", ...options, retryable: true });
    this.timeoutMs = options.timeoutMs;
  }
}

/** The platform answered 2xx with a body this SDK does not understand. */
export class UnexpectedResponseError extends MoleculeError {
  /** Dotted path of the first field that failed validation (e.g. `tokens.0.id`), `""` for the root. */
  readonly path: string;

  constructor(message: string, options: MoleculeErrorOptions & { path: string }) {
    super(message, { code: "unexpected_response", ...options, retryable: false });
    this.path = options.path;
  }
}

/** The peer failed: unreachable, an error status, a JSON-RPC error, or it timed out. */
export class MoleculePeerError extends MoleculeError {
  /** The peer workspace id (or URL for direct calls). */
  readonly peerId: string;
  /** The JSON-RPC error code, when the peer answered a JSON-RPC error. */
  readonly rpcCode: number | undefined;

  constructor(
    message: string,
    options: MoleculeErrorOptions & { peerId: string; rpcCode?: number | undefined },
  ) {
    super(message, { code: "peer_error", ...options });
    this.peerId = options.peerId;
    this.rpcCode = options.rpcCode;
  }
}

/**
 * Structural check for SDK errors that also works across duplicated package copies.
 *
 * @param err - Any thrown value.
 * @param code - When given, the error's `code` must equal it.
 */
export function isMoleculeError(err: unknown, code?: string): err is MoleculeError {
  if (typeof err !== "object" || err === null) return false;
  if ((err as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (err as { code?: unknown }).code === code;
}

/**
 * Refuses `what` (a file store) where the runtime has no file system (the edge build: workerd,
 * Next's edge runtime, a browser) with `module_unavailable`, naming `instead` (what runs there).
 */
export function requireFileSystem(what: string, instead: string): void {
  if (hasFileSystem) return;
  throw new MoleculeError(
    `${what} keeps its state in files and this runtime has no file system; ${instead}, or use the Node.js runtime`,
    { code: "module_unavailable", retryable: false },
  );
}

/**
 * Refuses to run on a Node.js older than the SDK's floor with `unsupported_node`: one line naming
 * the fix, at the SDK's first step (a client is built), instead of an error of its HTTP client
 * (undici 8) at the first request.
 */
export function requireSupportedNode(): void {
  if (UNSUPPORTED_NODE === undefined) return;
  throw new MoleculeError(
    `@molecule-ai/agent-core needs Node.js >= ${NODE_FLOOR} (this is ${UNSUPPORTED_NODE}): install a newer Node (for example 24 LTS) and run it again`,
    { code: "unsupported_node", retryable: false },
  );
}
