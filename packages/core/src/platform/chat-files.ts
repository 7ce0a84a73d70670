// Files between the canvas and this workspace, on the platform's side of the wire: uploading files
// a canvas notification carries (`POST /workspaces/:id/chat/uploads`, multipart field `files`),
// reading and acknowledging the files the canvas staged for a poll workspace
// (`GET|POST /workspaces/:id/pending-uploads/:fileId/{content,ack}`), and the inbound secret the
// platform sends with register and heartbeat (the bearer of its forwards to a push workspace).
// Sources: enteros-core@50c3bdfd `workspace-server/internal/handlers/chat_files.go` and
// `pending_uploads.go`, `registry.go` 622-650; the channel plugin's `sendMessageToUser` (fb7a89c).
import { basename, open } from "../runtime/index.js";
import { MoleculeError, inspectCustom, REDACTED } from "../transport/index.js";
import type { ChunkedBody } from "../transport/index.js";
import { chatUploadsSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import {
  fileTooLarge,
  MAX_FILE_BYTES,
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_FILES,
} from "./chat-file-rules.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";
import type { NotifyAttachment } from "./types.js";

/**
 * A file to send to the canvas user: a path on this machine (read when sent; not on edge
 * runtimes), a `Blob` or `File` (a `File` keeps its name), or bytes with a name (`data` as a
 * string is sent as UTF-8 text). At most {@link MAX_FILE_BYTES} each.
 */
export type OutboundFile =
  | string
  | Blob
  | {
      /** The file name the canvas shows (the platform keeps `[A-Za-z0-9._-]`, the rest becomes `_`). */
      name: string;
      data: Uint8Array | ArrayBuffer | Blob | string;
      /** Its media type, e.g. `"image/png"` (default: from the name's extension, else none). */
      mediaType?: string | undefined;
    };

/** Options of `PlatformClient.notify`. */
export interface NotifyOptions {
  /** Files uploaded before (`files.upload`), or refs a peer gave: `{ uri, name }` at least. */
  attachments?: NotifyAttachment[] | undefined;
  /** Files to upload first and attach after `attachments` (see {@link ChatFiles.upload}). */
  files?: readonly OutboundFile[] | undefined;
  signal?: AbortSignal | undefined;
}

/** A pending upload's bytes as the platform serves them. */
export interface PendingUploadContent {
  bytes: Uint8Array;
  /** The stored media type (the response's `Content-Type` without parameters). */
  mediaType: string;
}

/** A few media types by extension, so an image or a PDF sent by path shows as one on the canvas. */
const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  pdf: "application/pdf",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  json: "application/json",
  zip: "application/zip",
};

/** The media type of a file name's extension, or `""`. */
function mediaTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : (MEDIA_TYPES[name.slice(dot + 1).toLowerCase()] ?? "");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The newest inbound secret the platform sent this client (register, heartbeat). Internal. */
export class InboundSecret {
  #value: string | undefined;
  #signsPushes = false;

  get value(): string | undefined {
    return this.#value;
  }

  /**
   * Whether the platform is known to send the secret with its pushes: its heartbeat answers
   * `generation` (enteros-core 2c8ff214, 2026-07-26, after pushes carried the bearer from
   * 858511a8, 2026-06-27).
   */
  get signsPushes(): boolean {
    return this.#signsPushes;
  }

  /** Notes a heartbeat answer: its secret, and whether it says the platform signs pushes. */
  noteHeartbeat(body: unknown): void {
    const b = body as { platform_inbound_secret?: unknown; generation?: unknown } | undefined;
    this.note(b?.platform_inbound_secret);
    if (typeof b?.generation === "number") this.#signsPushes = true;
  }

  /** Keeps `secret` when the platform sent one (an answer without it keeps the one held). */
  note(secret: unknown): void {
    if (typeof secret === "string" && secret !== "") this.#value = secret;
  }
}

/** The key of the factory `PlatformClient` makes its `files` with (not public API). */
export const CREATE_CHAT_FILES: unique symbol = Symbol("createChatFiles");

/**
 * This workspace's chat files on the platform: `PlatformClient.files`. Every call is
 * authenticated with the workspace token.
 */
export class ChatFiles {
  readonly #s: PlatformSession;
  readonly #secret: InboundSecret;
  #limits: Promise<UploadLimits> | undefined;

  private constructor(s: PlatformSession, secret: InboundSecret) {
    this.#s = s;
    this.#secret = secret;
  }

  /** @internal `PlatformClient`'s `files`, on its session (typed opaquely: no internal type leaks). */
  static [CREATE_CHAT_FILES](session: unknown, secret: unknown): ChatFiles {
    return new ChatFiles(session as PlatformSession, secret as InboundSecret);
  }

  /**
   * The newest `platform_inbound_secret` the platform sent with register or a heartbeat: the
   * bearer the platform sends when it forwards a canvas upload to this workspace's push URL
   * (`<url>/internal/chat/uploads/ingest`). `undefined` until one arrives. Never log it.
   */
  get inboundSecret(): string | undefined {
    return this.#secret.value;
  }

  /**
   * @internal Whether the platform is known to send {@link inboundSecret} with every push (an
   * August-2026 server), so a push without it is not the platform's.
   */
  get signsPushes(): boolean {
    return this.#secret.signsPushes;
  }

  [inspectCustom](): string {
    return `ChatFiles { workspaceId: '${this.#s.workspaceId}', inboundSecret: ${this.#secret.value ? `'${REDACTED}'` : "undefined"} }`;
  }

  toJSON(): object {
    return { workspaceId: this.#s.workspaceId, inboundSecret: this.#secret.value && REDACTED };
  }

  /**
   * The platform's upload limits (`GET /uploads/limits`, August 2026: 100 MB per file and per
   * request), read once per client; a platform without the route has the April-2026 limits
   * ({@link MAX_FILE_BYTES}, {@link MAX_UPLOAD_BYTES}). A failed read is not kept.
   */
  async limits(options: { signal?: AbortSignal | undefined } = {}): Promise<UploadLimits> {
    this.#limits ??= readLimits(this.#s, options.signal);
    this.#limits.catch(() => (this.#limits = undefined));
    return await this.#limits;
  }

  /**
   * Uploads files for a canvas message (`POST /workspaces/:id/chat/uploads`) and returns their
   * references for `notify`'s `attachments` (`uri`, `name` as the platform sanitised it,
   * `mimeType`, `size`). A poll workspace's files are staged by the platform
   * (`platform-pending:` URIs); a push workspace's are forwarded to its own ingest route
   * (`workspace:` URIs: a `RemoteAgent` with push delivery serves them to the canvas). At most
   * {@link MAX_UPLOAD_FILES} files, each and all together within the platform's own limits
   * ({@link ChatFiles.limits}: 100 MB each and together on August-2026 servers; else
   * {@link MAX_FILE_BYTES} and {@link MAX_UPLOAD_BYTES}): past a bound a `file_too_large` (or
   * `invalid_argument`) error is thrown before anything is sent. Not retried (a retry would stage
   * the files twice).
   */
  async upload(
    files: readonly OutboundFile[],
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<NotifyAttachment[]> {
    if (!Array.isArray(files) || files.length === 0)
      throw invalid("upload needs at least one file (a path, a Blob, or { name, data })");
    if (files.length > MAX_UPLOAD_FILES)
      throw invalid(`upload takes at most ${MAX_UPLOAD_FILES} files at once; got ${files.length}`);
    const limits = await this.limits({ signal: options.signal });
    const form = new FormData();
    for (const [i, file] of files.entries()) {
      const { name, blob } = await blobOf(file, i, limits.perFileBytes);
      form.append("files", blob, name);
    }
    const request = new Response(form);
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limits.perRequestBytes)
      throw fileTooLarge(
        "the upload (all files together)",
        limits.perRequestBytes,
        bytes.byteLength,
      );
    const s = this.#s;
    const res = await s.send({
      method: "POST",
      path: `/workspaces/${enc(s.workspaceId)}/chat/uploads`,
      bytes,
      headers: { "content-type": request.headers.get("content-type") ?? "multipart/form-data" },
      signal: options.signal,
      timeoutMs: 120_000, // the platform's own forward timeout (chat_files.go NewChatFilesHandler)
      retry: false,
    });
    if (!ok(res.status)) {
      throw await s.selfFail(res, "uploadFiles", options.signal, {
        413: `the platform refused a file as too large (it said ${limits.perFileBytes} bytes per file, ${limits.perRequestBytes} per upload)`,
        422: "this workspace cannot take chat files: the platform has neither a poll store nor a push URL for it (register with delivery_mode poll, or with a public push URL)",
        503: "the platform cannot take chat files for this workspace now (a push workspace whose agent has not registered its URL or secret yet, or the April 2026 platform, which stages chat files only in a container): retry later",
      });
    }
    const parsed = s.expect(chatUploadsSchema, res, "uploadFiles");
    return parsed.files.map((f) => ({
      uri: f.uri,
      name: f.name,
      mimeType: f.mimeType ?? "",
      size: Number(f.size ?? 0),
    }));
  }

  /**
   * The bytes of a file the canvas staged for this (poll) workspace
   * (`GET /workspaces/:id/pending-uploads/:fileId/content`), read up to `maxBytes` (default and
   * at most the platform's per-file limit, {@link ChatFiles.limits}): a larger body is not read
   * (`file_too_large`). A file the
   * platform no longer holds (acknowledged, or expired after 24 h) is a `file_unavailable`
   * error (404, not retryable).
   */
  async fetchPending(
    fileId: string,
    options: { maxBytes?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<PendingUploadContent> {
    const id = pendingId(fileId);
    const limit = (await this.limits({ signal: options.signal })).perFileBytes;
    const max = Math.min(options.maxBytes ?? limit, limit);
    const s = this.#s;
    const res = await s.send({
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/pending-uploads/${enc(id)}/content`,
      stream: "chunks",
      retry: false,
      signal: options.signal,
    });
    const body = res.chunks!;
    if (!ok(res.status)) {
      const type = String(res.headers["content-type"] ?? "");
      // The platform's 404s: its JSON (no such file), or gin's plain-text `404 page not found` (the
      // route itself is missing). Any other answer is read and judged (a front's page included).
      if (res.status === 404 && /json|text\/plain/.test(type)) {
        body.close();
        throw type.includes("json") ? unavailable(id) : noPendingUploads(id);
      }
      throw await s.streamFail(res, body, "fetchPendingUpload", options.signal);
    }
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > max) {
      body.close();
      throw fileTooLarge(`pending upload ${id}`, max, declared);
    }
    const bytes = await readBytes(body, max, options.signal);
    if (bytes === undefined) throw fileTooLarge(`pending upload ${id}`, max);
    const type = res.headers["content-type"];
    const mediaType = (typeof type === "string" ? type.split(";")[0]! : "").trim();
    return { bytes, mediaType };
  }

  /**
   * Acknowledges a pending upload (`POST /workspaces/:id/pending-uploads/:fileId/ack`): the
   * platform may then delete it. `true` when this call acknowledged it, `false` when the platform
   * no longer holds it (404: acknowledged before, or expired; the platform answers a second ack
   * so). Retried on 429, 502, 503 and connection errors.
   */
  async ackPending(
    fileId: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<boolean> {
    const id = pendingId(fileId);
    const s = this.#s;
    const res = await s.send({
      method: "POST",
      path: `/workspaces/${enc(s.workspaceId)}/pending-uploads/${enc(id)}/ack`,
      retry: true,
      signal: options.signal,
    });
    if (ok(res.status)) return true;
    if (res.status === 404) return false;
    throw await s.selfFail(res, "ackPendingUpload", options.signal);
  }
}

/** The platform's upload limits ({@link ChatFiles.limits}). */
export interface UploadLimits {
  /** The largest file it takes, in bytes. */
  perFileBytes: number;
  /** The largest upload request (all files together), in bytes. */
  perRequestBytes: number;
}

/** A positive whole number of bytes. */
const positive = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/** `GET /uploads/limits`; the April-2026 limits when the platform has no such route. */
async function readLimits(
  s: PlatformSession,
  signal: AbortSignal | undefined,
): Promise<UploadLimits> {
  const res = await s.send({ method: "GET", path: "/uploads/limits", signal });
  const b = res.body as { per_file_bytes?: unknown; per_request_bytes?: unknown } | undefined;
  if (ok(res.status) && positive(b?.per_file_bytes) && positive(b?.per_request_bytes))
    return { perFileBytes: b.per_file_bytes, perRequestBytes: b.per_request_bytes };
  if (res.status === 404 || ok(res.status))
    return { perFileBytes: MAX_FILE_BYTES, perRequestBytes: MAX_UPLOAD_BYTES };
  throw await s.selfFail(res, "uploadLimits", signal);
}

/** `fileId` when it is a UUID (the platform's file ids are), else an `invalid_argument` error. */
function pendingId(fileId: string): string {
  if (typeof fileId !== "string" || !UUID.test(fileId))
    throw invalid(`a pending upload's file id is a UUID; got ${JSON.stringify(fileId)}`);
  return fileId.toLowerCase();
}

/** The `file_unavailable` error of a pending upload the platform no longer holds. */
function unavailable(fileId: string): MoleculeError {
  return new MoleculeError(
    `the platform no longer holds pending upload ${fileId}: it expired (24 h after the upload), or it was acknowledged already (a platform older than late May 2026 deletes it at once, a newer one an hour later)`,
    { code: "file_unavailable", status: 404, retryable: false },
  );
}

/** The error of a platform that has no pending-uploads route at all. */
function noPendingUploads(fileId: string): MoleculeError {
  return new MoleculeError(
    `cannot read pending upload ${fileId}: this platform has no pending-uploads route (404 page not found; the April-2026 server stages no canvas files for poll workspaces)`,
    { code: "unsupported", status: 404, retryable: false },
  );
}

/** Reads `body` to its end, at most `max` bytes; `undefined` (and the body closed) past it. */
function readBytes(
  body: ChunkedBody,
  max: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let over = false;
    const close = (): void => body.close();
    signal?.addEventListener("abort", close, { once: true });
    body.read({
      data(chunk) {
        if (over) return;
        size += chunk.length;
        if (size > max) {
          over = true;
          body.close();
          return;
        }
        chunks.push(chunk);
      },
      end(error) {
        signal?.removeEventListener("abort", close);
        if (over) return resolve(undefined);
        if (signal?.aborted) return reject(signal.reason);
        if (error) return reject(readFailed(error));
        const out = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
        }
        resolve(out);
      },
    });
    if (signal?.aborted) body.close();
  });
}

function readFailed(cause: Error): MoleculeError {
  return new MoleculeError(
    "the pending upload's bytes stopped arriving before its end; try again",
    { code: "connection_failed", retryable: true, cause },
  );
}

/** One outbound file as a named Blob, its size checked before it is read (paths: stat first). */
async function blobOf(
  file: OutboundFile,
  i: number,
  max: number,
): Promise<{ name: string; blob: Blob }> {
  const what = `files[${i}]`;
  if (typeof file === "string") return await readPath(file, what, max);
  if (file instanceof Blob) {
    checkSize(what, file.size, max);
    const name =
      typeof (file as File).name === "string" && (file as File).name ? (file as File).name : "file";
    return { name, blob: file };
  }
  if (!file || typeof file !== "object" || typeof file.name !== "string" || file.name === "")
    throw invalid(`${what} must be a path, a Blob or { name, data }; a name is required`);
  const type = file.mediaType ?? mediaTypeOf(file.name);
  const data = file.data;
  let blob: Blob;
  if (data instanceof Blob) blob = data.type === type ? data : new Blob([data], { type });
  else if (typeof data === "string" || data instanceof Uint8Array || data instanceof ArrayBuffer)
    blob = new Blob([data as BlobPart], { type });
  else throw invalid(`${what}.data must be a Uint8Array, an ArrayBuffer, a Blob or a string`);
  checkSize(what, blob.size, max);
  return { name: file.name, blob };
}

function checkSize(what: string, size: number, max: number): void {
  if (size > max) throw fileTooLarge(what, max, size);
}

/** Reads the file at `path` (its size checked first: a file over the bound is never read). */
async function readPath(
  path: string,
  what: string,
  max: number,
): Promise<{ name: string; blob: Blob }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new MoleculeError(
      code === "module_unavailable"
        ? `${what}: this runtime has no file system; pass the file's bytes as { name, data } instead of a path`
        : `${what}: cannot read ${JSON.stringify(path)} (${String(code ?? err)}); check the path`,
      { code: code === "ENOENT" ? "file_not_found" : "invalid_argument", cause: err },
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalid(`${what}: ${JSON.stringify(path)} is not a regular file`);
    checkSize(what, stat.size, max);
    const bytes = await handle.readFile();
    checkSize(what, bytes.length, max); // it may have grown since the stat
    const name = basename(path);
    return { name, blob: new Blob([bytes as BlobPart], { type: mediaTypeOf(name) }) };
  } finally {
    await handle.close();
  }
}
