// The two routes the platform forwards chat files to below a push workspace's registered URL
// (RFC #2312; enteros-core@50c3bdfd `chat_files.go` 286-345, 405-456): `POST <url>/internal/chat/
// uploads/ingest` (a canvas upload, or this agent's own upload for the canvas: multipart field
// `files`, answered `{files: [{uri, name, mimeType, size}]}`, which the platform relays as is) and
// `GET <url>/internal/file/read?path=` (the canvas downloading one of those files). Only the
// platform may call them: `Authorization: Bearer <platform_inbound_secret>` compared whole, in
// constant time, with the newest secret the platform sent; with none known yet every request is
// refused (fail closed). A refusal is answered before the body is read (and the connection is
// closed); bodies are bounded (50 MiB, 25 MiB a file, 64 files). Answers as the workspace runtime
// does (`workspace/internal_chat_uploads.py`, `internal_file_read.py`). The secret is never logged.
import type { IncomingMessage, ServerResponse } from "node:http";
import { closeUnread } from "../a2a/index.js";
import { timingSafeEqual, utf8Bytes } from "../runtime/index.js";
import { MAX_UPLOAD_BYTES } from "../platform/index.js";
import type { Logger } from "../transport/index.js";
import type { IngestedFiles } from "./ingested-files.js";
import {
  contentDisposition,
  FILE_READ_SUFFIX,
  INGEST_SUFFIX,
  safeMediaType,
  sanitizeFileName,
} from "../platform/index.js";
import { uploadFormFiles } from "./upload-form.js";

const ROOTS = ["/configs", "/workspace", "/home", "/plugins"];

/** Options of {@link ChatFileRoutes}. */
export interface ChatFileRoutesOptions {
  /** The A2A endpoint's path (`basePath` plus the path secret): the routes are below it. */
  endpointPath: string;
  /** The newest inbound secret the platform sent (`client.files.inboundSecret`). */
  secret: () => string | undefined;
  store: IngestedFiles;
  logger?: Logger | undefined;
}

/** One answer, whatever the HTTP stack. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** What a request brings, read lazily: the body only once it is authorised. */
interface Asked {
  method: string;
  query: string;
  authorization: string | null | undefined;
  contentType: string | null | undefined;
  contentLength: string | null | undefined;
  /** The body, at most `max` bytes (`undefined` past it or when the request failed). */
  body(max: number): Promise<Uint8Array | undefined>;
}

const json = (status: number, value: unknown): Answer => ({
  status,
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify(value),
});

/** Equal in constant time (a different length answers at once: it reveals only the length). */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const x = utf8Bytes(a);
  const y = utf8Bytes(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The chat-file routes of one push endpoint; see the file comment. */
export class ChatFileRoutes {
  readonly #ingest: string;
  readonly #read: string;
  readonly #o: ChatFileRoutesOptions;

  constructor(options: ChatFileRoutesOptions) {
    const prefix = options.endpointPath === "/" ? "" : options.endpointPath.replace(/\/+$/, "");
    this.#ingest = prefix + INGEST_SUFFIX;
    this.#read = prefix + FILE_READ_SUFFIX;
    this.#o = options;
  }

  /** Which route `path` (without its query) is; the path secret in it compared in constant time. */
  route(path: string): "ingest" | "read" | undefined {
    if (same(path, this.#ingest)) return "ingest";
    if (same(path, this.#read)) return "read";
    return undefined;
  }

  /**
   * Serves a node:http request when it is for one of the routes; `false` (nothing written) else.
   * `body`: the raw bytes, when a framework read them already (else the request is read here).
   */
  async handleNode(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<boolean> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const route = this.route(q === -1 ? url : url.slice(0, q));
    if (route === undefined) return false;
    const h = req.headers;
    const answer = await this.#answer(route, {
      method: req.method ?? "GET",
      query: q === -1 ? "" : url.slice(q + 1),
      authorization: h.authorization,
      contentType: h["content-type"],
      contentLength: h["content-length"],
      body: async (max) =>
        body instanceof Uint8Array
          ? body.length > max
            ? undefined
            : body
          : await readNodeBytes(req, max),
    });
    closeUnread(req, res, answer.status >= 400);
    res.writeHead(answer.status, {
      ...answer.headers,
      "content-length": String(
        typeof answer.body === "string" ? utf8Bytes(answer.body).length : answer.body.length,
      ),
    });
    res.end(answer.body);
    return true;
  }

  /** Serves a web `Request` when it is for one of the routes; `undefined` else. */
  async handleFetch(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    const route = this.route(url.pathname);
    if (route === undefined) return undefined;
    const h = request.headers;
    const answer = await this.#answer(route, {
      method: request.method,
      query: url.search.slice(1),
      authorization: h.get("authorization"),
      contentType: h.get("content-type"),
      contentLength: h.get("content-length"),
      body: (max) => readWebBytes(request.body, max),
    });
    return new Response(answer.body as BodyInit, {
      status: answer.status,
      headers: answer.headers,
    });
  }

  async #answer(route: "ingest" | "read", asked: Asked): Promise<Answer> {
    const want = route === "ingest" ? "POST" : "GET";
    if (asked.method !== want) {
      const refused = json(405, { error: "method not allowed" });
      refused.headers["allow"] = want;
      return refused;
    }
    const secret = this.#o.secret();
    // Fail closed: no secret yet, or another bearer. The whole header is compared, as the runtime.
    if (secret === undefined || !same(asked.authorization ?? "", `Bearer ${secret}`))
      return json(401, { error: "unauthorized" });
    return route === "ingest" ? await this.#ingestFiles(asked) : this.#readFile(asked.query);
  }

  async #ingestFiles(asked: Asked): Promise<Answer> {
    const tooLarge = json(413, { error: "request body exceeds total limit (50 MB)" });
    if (Number(asked.contentLength) > MAX_UPLOAD_BYTES) return tooLarge;
    const body = await asked.body(MAX_UPLOAD_BYTES);
    if (body === undefined) return tooLarge;
    const files = await uploadFormFiles(body, asked.contentType);
    if (!Array.isArray(files)) return json(files.status, { error: files.error });
    const store = this.#o.store;
    const out: { uri: string; name: string; mimeType: string; size: number }[] = [];
    // Kept whole or not at all: a batch larger than the store would push out its own files.
    if (files.reduce((n, f) => n + f.size, 0) > store.maxBytes)
      return json(413, { error: "the files exceed this agent's file store" });
    for (const f of files) {
      const name = sanitizeFileName(f.name || "file");
      const mimeType = safeMediaType(f.type);
      const bytes = new Uint8Array(await f.arrayBuffer());
      out.push({ uri: store.add(name, mimeType, bytes), name, mimeType, size: bytes.length });
    }
    this.#o.logger?.debug?.("chat files ingested", { count: out.length });
    return json(200, { files: out });
  }

  #readFile(query: string): Answer {
    const path = new URLSearchParams(query).get("path") ?? "";
    const bad = badPath(path);
    if (bad !== undefined) return json(400, { error: bad });
    const file = this.#o.store.byPath(path);
    if (file === undefined) return json(404, { error: "file not found" });
    return {
      status: 200,
      headers: {
        "content-type": file.mediaType || "application/octet-stream",
        "content-disposition": contentDisposition(file.name),
        "cache-control": "no-store",
      },
      body: file.bytes,
    };
  }
}

/** Why `path` is refused, in the words and order of the platform and its runtime; else `undefined`. */
function badPath(path: string): string | undefined {
  if (path === "") return "path query required";
  if (!path.startsWith("/")) return "path must be absolute";
  if (!ROOTS.some((r) => path === r || path.startsWith(`${r}/`)))
    return "path must be under /configs, /workspace, /home, or /plugins";
  if (path.includes("..") || path.includes("//") || path.endsWith("/") || /\/\.(\/|$)/.test(path))
    return "invalid path";
  return undefined;
}

/** A node request's body, at most `max` bytes: `undefined` (reading paused) past it or on failure. */
function readNodeBytes(req: IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  // A body a framework consumed and did not hand over: nothing is left to read (never wait).
  if (req.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const finish = (value: Uint8Array | undefined): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFail);
      req.off("close", onClose);
      resolve(value);
    };
    const onData = (chunk: Uint8Array): void => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        finish(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = (): void => finish(joined(chunks, size));
    const onFail = (): void => finish(undefined);
    const onClose = (): void => {
      if (!req.complete) finish(undefined);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFail);
    req.on("close", onClose);
  });
}

/** A web body, at most `max` bytes (cancelled past it): `undefined` past it or on failure. */
async function readWebBytes(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return joined(chunks, size);
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
}

function joined(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
