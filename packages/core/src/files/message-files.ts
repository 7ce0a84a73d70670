// The files of an inbound message, as `msg.files`: which of its file parts become files, and the
// acknowledgement of a poll workspace's pending uploads once the message was handled.
//
// Polled: a part whose URI is `platform-pending:<this workspace>/<file id>`, in a message the
// platform recorded as the canvas's (no sender workspace): the canvas uploads its files first
// (`chat_upload_receive` rows) and then sends its message with one file part per upload
// (enteros-core@50c3bdfd `canvas/src/components/tabs/ChatTab.tsx` 705-787). The bytes are fetched
// on first use with this workspace's token; no other workspace's file is ever fetched, and a peer
// (a sender the platform authenticated) cannot make this agent fetch or acknowledge one.
// Pushed: a part whose `workspace:` URI names a file this agent's ingest route took in.
// Either: a part carrying its bytes inline (A2A `FileWithBytes`, base64), from any sender.
import type { A2APart } from "../a2a/index.js";
import { fileTooLarge, MAX_FILE_BYTES } from "../platform/index.js";
import { type Logger, MoleculeError, describe } from "../transport/index.js";
import { MessageFile, type InboundFile } from "./inbound-file.js";
import { INGESTED_PREFIX, type IngestedFiles } from "./ingested-files.js";
import { safeMediaType, sanitizeFileName } from "../platform/index.js";

const PENDING = "platform-pending:";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Acknowledged file ids remembered, so each is acknowledged once. */
const ACKED_WINDOW = 1_000;
/**
 * How long one acknowledgement may take, its retries included: the message it follows has
 * settled, and a stopping agent waits for it; past it the file is left to expire.
 */
const ACK_TIMEOUT_MS = 15_000;

/** What reads and acknowledges this workspace's pending uploads (`PlatformClient.files` does). */
export interface PendingUploads {
  fetchPending(
    fileId: string,
    options?: { maxBytes?: number | undefined; signal?: AbortSignal | undefined },
  ): Promise<{ bytes: Uint8Array }>;
  ackPending(fileId: string, options?: { signal?: AbortSignal | undefined }): Promise<boolean>;
}

/** What {@link MessageFiles} reads of a message. */
export interface FileMessage {
  parts: readonly A2APart[];
  /** `canvas_user` for a polled row the platform recorded without a sender workspace. */
  source: string;
  sourceId: string | null;
}

/** A file of a polled message that is a pending upload: acknowledged after its message. */
class PendingFile extends MessageFile {
  constructor(
    facts: ConstructorParameters<typeof MessageFile>[0],
    readonly fileId: string,
    load: ConstructorParameters<typeof MessageFile>[1],
  ) {
    super(facts, load);
  }
}

/** A sender's `size` claim as a byte count, when it is one. */
function claimedSize(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** The files of inbound messages for one agent; see the file comment. */
export class MessageFiles {
  readonly #workspaceId: string;
  readonly #pending: PendingUploads | undefined;
  readonly #ingested: IngestedFiles | undefined;
  readonly #logger: Logger;
  /** Acknowledged file ids, oldest first. */
  readonly #acked = new Set<string>();

  constructor(
    workspaceId: string,
    pending: PendingUploads | undefined,
    ingested: IngestedFiles | undefined,
    logger: Logger,
  ) {
    this.#workspaceId = workspaceId.toLowerCase();
    this.#pending = pending;
    this.#ingested = ingested;
    this.#logger = logger;
  }

  /** The files of `msg`, delivered by poll or push (see the file comment); `[]` when none. */
  of(msg: FileMessage, delivery: "poll" | "push"): InboundFile[] {
    const out: InboundFile[] = [];
    for (const part of msg.parts) {
      if (part.kind !== "file") continue;
      const f = part.file;
      const uri = typeof f.uri === "string" ? f.uri : "";
      const announced = claimedSize(f.size);
      const facts = {
        name: sanitizeFileName(typeof f.name === "string" ? f.name : "file"),
        mediaType: safeMediaType(f.mimeType) || "application/octet-stream",
        size: announced ?? 0,
        uri,
      };
      if (typeof f.bytes === "string") {
        const bytes = f.bytes;
        out.push(new MessageFile(facts, async () => inlineBytes(bytes, facts.name)));
      } else if (delivery === "poll" && uri.startsWith(PENDING)) {
        const fileId = this.#pendingId(uri, msg);
        if (fileId === undefined) continue;
        const max = Math.min(announced ?? MAX_FILE_BYTES, MAX_FILE_BYTES);
        const pending = this.#pending!;
        const load = async (signal: AbortSignal | undefined): Promise<Uint8Array> => {
          if (announced !== undefined && announced > MAX_FILE_BYTES)
            throw fileTooLarge(`file ${facts.name}`, MAX_FILE_BYTES, announced);
          return (await pending.fetchPending(fileId, { maxBytes: max, signal })).bytes;
        };
        out.push(new PendingFile(facts, fileId, load));
      } else if (delivery === "push" && this.#ingested && uri.startsWith(INGESTED_PREFIX)) {
        // One of this agent's chat uploads: its bytes, or (taken in by another instance, or
        // dropped for room or age) a file whose bytes() says so.
        const kept = this.#ingested.byUri(uri);
        const file = kept ? { ...facts, name: kept.name, size: kept.bytes.length } : facts;
        out.push(new MessageFile(file, async () => kept?.bytes ?? notKept(facts.name)));
      }
    }
    return out;
  }

  /**
   * The file id of a `platform-pending:` URI this agent may fetch: one of this workspace, in a
   * message the platform recorded as the canvas's; else `undefined` (a peer's part is logged).
   */
  #pendingId(uri: string, msg: FileMessage): string | undefined {
    if (this.#pending === undefined) return undefined;
    const rest = uri.slice(PENDING.length);
    const slash = rest.indexOf("/");
    const ws = rest.slice(0, slash).toLowerCase();
    const id = rest.slice(slash + 1);
    const canvas = msg.source === "canvas_user" && msg.sourceId === null;
    if (slash < 0 || ws !== this.#workspaceId || !UUID.test(id) || !canvas) {
      this.#logger.warn?.(
        "inbound file part not fetched: a platform-pending file is fetched only for a canvas message to this workspace",
        { sourceId: msg.sourceId },
      );
      return undefined;
    }
    return id.toLowerCase();
  }

  /**
   * Acknowledges the pending uploads among `files` (each once per agent), after the handler of
   * their message succeeded; a failure is logged (the platform drops the file 24 h after the
   * upload), a 404 means the platform holds it no longer: nothing to do.
   */
  async acknowledge(files: readonly InboundFile[] | undefined): Promise<void> {
    for (const file of files ?? []) {
      if (!(file instanceof PendingFile) || this.#acked.has(file.fileId)) continue;
      try {
        await this.#pending!.ackPending(file.fileId, {
          signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
        });
        this.#acked.add(file.fileId);
        if (this.#acked.size > ACKED_WINDOW) this.#acked.delete(this.#acked.values().next().value!);
      } catch (err) {
        this.#logger.warn?.("could not acknowledge a pending upload; the platform keeps it 24 h", {
          fileId: file.fileId,
          error: describe(err),
        });
      }
    }
  }
}

/** The error of an ingested file this agent no longer holds (or never held). */
function notKept(name: string): never {
  throw new MoleculeError(
    `this agent does not hold file ${name}: it was taken in by another instance of the agent, or dropped for room or age (RemoteAgent option files.maxBytes, files.keepMs)`,
    { code: "file_unavailable", status: 404, retryable: false },
  );
}

/** The bytes of an inline (base64) file part, at most 25 MiB. */
function inlineBytes(b64: string, name: string): Uint8Array {
  if ((b64.length * 3) / 4 > MAX_FILE_BYTES + 3)
    throw fileTooLarge(`file ${name}`, MAX_FILE_BYTES, Math.floor((b64.length * 3) / 4));
  let text: string;
  try {
    text = atob(b64.replace(/\s+/g, ""));
  } catch (cause) {
    throw new MoleculeError(`file ${name} is not valid base64: ask its sender to send it again`, {
      code: "invalid_file",
      cause,
    });
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
