// Poll-mode chat uploads on the platform side (compat "latest"): the staged files
// (`pending_uploads`), the per-file `chat_upload_receive` activity rows, and the two routes a
// poll workspace fetches and acknowledges them with. Each behaviour names its source at
// enteros-core@50c3bdfd (molecule-core #2877, #2881, #2885, #2907; /tmp/research/rows-files.md).
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { newId, UUID_ANY_RE } from "../util.js";

/** `pendinguploads.MaxFileBytes` (25 MiB; the table's `CHECK (size_bytes <= 26214400)`). */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
/**
 * Bytes the emulator stages at once over all workspaces (assumed: the real server's Postgres has
 * no such bound; an in-memory emulator needs one). Past it: 500 "could not stage files".
 */
const MAX_STAGED_BYTES = 512 * 1024 * 1024;
/** `expires_at DEFAULT now() + interval '24 hours'` (migration 20260505100000_pending_uploads). */
const EXPIRY_MS = 24 * 60 * 60 * 1000;
/**
 * 2026-08: the sweeper deletes an acknowledged row an hour after its ack (`DefaultAckRetention`,
 * sweeper.go 49); until then `Get` still finds it (storage.go `Get` at aeec8e47, 6b1d9bdb). The
 * real sweeper runs every 5 minutes: here the row is gone exactly at the hour.
 */
const ACK_RETENTION_MS = 60 * 60 * 1000;

/** One staged file (`pending_uploads` row). */
interface PendingUpload {
  fileId: string;
  workspaceId: string;
  filename: string;
  mimetype: string;
  content: Buffer;
  expiresAt: number;
  fetchedAt: number | null;
  /** 2026-08: when the first ack came (the row stays readable for `ACK_RETENTION_MS`). */
  ackedAt?: number;
}

/** One file to stage: sanitised name, safe media type, bytes. */
export interface StagedFile {
  name: string;
  mimeType: string;
  content: Buffer;
}

const stores = new WeakMap<Platform, Map<string, PendingUpload>>();

function storeOf(platform: Platform): Map<string, PendingUpload> {
  let s = stores.get(platform);
  if (s === undefined) stores.set(platform, (s = new Map()));
  return s;
}

/**
 * `storage.Get`: a row that is not acked and not expired (`acked_at IS NULL AND expires_at >
 * now()`, pendinguploads/storage.go 313-314). An acked row is deleted at once here: the real
 * sweeper deletes it after an hour (`DefaultAckRetention`, sweeper.go 49), during which `Get`
 * already hides it, so no answer differs. Expired rows are dropped as they are met (the real
 * sweeper runs every 5 minutes; `Get` hides them before that too).
 */
function get(platform: Platform, fileId: string): PendingUpload | undefined {
  const store = storeOf(platform);
  const row = store.get(fileId);
  const now = platform.now();
  const swept = row?.ackedAt !== undefined && row.ackedAt + ACK_RETENTION_MS <= now;
  if (row !== undefined && (row.expiresAt <= now || swept)) {
    store.delete(fileId);
    return undefined;
  }
  return row;
}

/**
 * Stages `files` for workspace `id` and logs one `a2a_receive` / `chat_upload_receive` row per
 * file, all or nothing (`uploadPollMode`, chat_files.go 566-754: `PutBatchTx` and the activity
 * rows in one transaction). Answers the upload's `files` list.
 */
export function stage(
  platform: Platform,
  id: string,
  files: readonly StagedFile[],
): { uri: string; name: string; mimeType: string; size: number }[] {
  const store = storeOf(platform);
  let held = 0;
  for (const r of store.values()) held += r.content.length;
  const adding = files.reduce((n, f) => n + f.content.length, 0);
  // `CHECK (size_bytes > 0 ...)` fails the batch for an empty file (inferred from the migration:
  // the Go handler maps any PutBatchTx error but ErrTooLarge to this 500).
  if (files.some((f) => f.content.length === 0) || held + adding > MAX_STAGED_BYTES)
    throw new HttpError(500, { error: "could not stage files" });
  const out: { uri: string; name: string; mimeType: string; size: number }[] = [];
  for (const f of files) {
    const fileId = newId(); // gen_random_uuid()
    store.set(fileId, {
      fileId,
      workspaceId: id,
      filename: f.name,
      mimetype: f.mimeType,
      content: f.content,
      expiresAt: platform.now() + EXPIRY_MS,
      fetchedAt: null,
    });
    const uri = `platform-pending:${id}/${fileId}`; // chat_files.go 702
    platform.logActivity({
      workspace_id: id,
      activity_type: "a2a_receive",
      source_id: null,
      target_id: id,
      method: "chat_upload_receive",
      summary: `chat_upload_receive: ${f.name}`,
      duration_ms: null,
      status: "ok",
      error_detail: null,
      request_body: {
        file_id: fileId,
        name: f.name,
        mimeType: f.mimeType,
        size: f.content.length,
        uri,
      },
    });
    out.push({ uri, name: f.name, mimeType: f.mimeType, size: f.content.length });
  }
  return out;
}

/** The checks both routes make first (pending_uploads.go 66-105, 135-165). */
function rowFor(
  platform: Platform,
  id: string,
  fileId: string,
  missing = "pending upload not found, expired, or already acked",
): PendingUpload {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  if (!UUID_ANY_RE.test(fileId)) throw new HttpError(400, { error: "invalid file_id" });
  const row = get(platform, fileId.toLowerCase());
  if (row === undefined) throw new HttpError(404, { error: missing });
  // Cross-workspace bleed protection: another workspace's file is answered as not found.
  if (row.workspaceId !== id) throw new HttpError(404, { error: "pending upload not found" });
  return row;
}

/** `Content-Disposition: attachment` as `contentDispositionAttachment` (chat_files.go 245-275). */
function disposition(name: string): string {
  // oxlint-disable-next-line no-control-regex
  const quoted = name.replace(/[\r\n\x00-\x1f\x7f]/g, "").replace(/["\\]/g, "\\$&");
  let encoded = "";
  for (const b of Buffer.from(name, "utf8")) {
    const c = String.fromCharCode(b);
    encoded += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `attachment; filename="${quoted}"; filename*=UTF-8''${encoded}`;
}

/** `GET /workspaces/:id/pending-uploads/:file_id/content` (`GetContent`, pending_uploads.go 66-131). */
export function pendingContent(platform: Platform, ctx: Ctx, id: string, fileId: string): void {
  // 2026-08: GetContent's own text (pending_uploads.go at aeec8e47).
  const row = platform.august
    ? rowFor(platform, id, fileId, "pending upload not found or expired")
    : rowFor(platform, id, fileId);
  const h = ctx.headers;
  h["Content-Type"] = row.mimetype === "" ? "application/octet-stream" : row.mimetype;
  h["Content-Disposition"] = disposition(row.filename);
  h["Content-Length"] = row.content.length;
  ctx.res.writeHead(200, h);
  ctx.res.end(row.content);
  row.fetchedAt = platform.now(); // best effort, after the bytes (MarkFetched)
}

/**
 * `POST /workspaces/:id/pending-uploads/:file_id/ack` (`Ack`, pending_uploads.go 135-183): the
 * lookup filters acked rows, so a second ack, or one after expiry, is the 404 of the lookup.
 * 2026-08: the lookup finds acked rows until they are swept, so a second ack is `200 {acked}`.
 */
export function ackPending(platform: Platform, ctx: Ctx, id: string, fileId: string): void {
  const row = rowFor(platform, id, fileId);
  // 2026-08: `acked_at` is set once and the row kept; a second ack is the same success.
  if (platform.august) row.ackedAt ??= platform.now();
  else storeOf(platform).delete(row.fileId);
  sendJson(ctx, 200, { acked: true });
}
