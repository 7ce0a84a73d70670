// Secrets an admin sets on a workspace (`POST /workspaces/:id/secrets`): one request per key, and
// on an August-2026 platform a write that waits for a person's approval (`202 pending_approval`,
// core#2574), reported as such, never as set.
import { MoleculeError } from "../transport/index.js";
import type { HttpResponse, HttpTransport, Logger } from "../transport/index.js";
import { adminAuthHints } from "./admin-auth.js";
import { httpError, ok } from "./http-errors.js";

const enc = encodeURIComponent;

/** What {@link setSecrets} needs of the admin client. */
export interface AdminTransport {
  transport: HttpTransport;
  token: string;
  logger: Logger | undefined;
}

/**
 * A secret write the platform holds until a person approves it (`202 pending_approval`, August 2026).
 * The approval does not store anything: it lets the same write through once, when it is sent
 * again (`approval_gate.go`: the approval is matched by workspace and key, and consumed by that
 * write). `complete()` sends it again.
 */
export interface PendingSecret {
  key: string;
  /** The approval to decide (`decideApproval(workspaceId, approvalId, ...)` or the canvas). */
  approvalId: string;
  /**
   * Sends the same write again (the value is kept in memory by this closure, never shown; the
   * property is not enumerable, so it is neither logged nor serialised). After the approval:
   * `{ status: "stored" }`, the approval used up. Before it: `{ status: "pending_approval" }`
   * with the same `approvalId` (nothing stored). When the approval was denied or expired (after 10
   * minutes) the platform opens a new one: `pending_approval` with the new `approvalId` and
   * `renewed: true`. Other failures raise as `setSecrets` does.
   */
  complete(options?: { signal?: AbortSignal }): Promise<CompletedSecret>;
}

/** What {@link PendingSecret.complete} found. */
export type CompletedSecret =
  | { key: string; status: "stored" }
  | { key: string; status: "pending_approval"; approvalId: string; renewed: boolean };

/** What `AdminClient.setSecrets` did, key by key. */
export interface SetSecretsResult {
  /** Keys stored now. */
  stored: string[];
  /**
   * Keys not stored yet: each waits for a person's approval, and the approval alone stores
   * nothing: after it, send the write again (`complete()` of each entry).
   */
  awaitingApproval: PendingSecret[];
}

/**
 * What the error thrown by `AdminClient.setSecrets` carries when a request failed part-way
 * (`isMoleculeError(err) && "setKeys" in err`).
 */
export interface SetSecretsFailure {
  /** Keys stored before the failure; they stay set. */
  setKeys: string[];
  /** Keys accepted before the failure that wait for a person's approval (not stored yet). */
  awaitingApproval: PendingSecret[];
  /** The key whose request failed (not set). */
  failedKey: string;
  /** Keys after it, not attempted. */
  pendingKeys: string[];
}

/** The approval id of a `202 {"status":"pending_approval","approval_id"}` answer, else `undefined`. */
function pendingApprovalId(status: number, body: unknown): string | undefined {
  if (status !== 202 || !body || typeof body !== "object") return undefined;
  const b = body as { status?: unknown; approval_id?: unknown };
  return b.status === "pending_approval" && typeof b.approval_id === "string"
    ? b.approval_id
    : undefined;
}

/**
 * Sets secrets on a workspace, one `POST /workspaces/:id/secrets` per key, in order. Every entry
 * is validated before the first request. When a request fails part-way, the keys already stored
 * stay set: the error (a {@link MoleculeError}) says so in its message and carries
 * `setKeys`, `failedKey` and `pendingKeys` (see {@link SetSecretsFailure}); retry with the
 * failed and pending keys. An abort rejects with the signal's reason; keys sent before it stay set.
 */
export async function setSecrets(
  admin: AdminTransport,
  id: string,
  secrets: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<SetSecretsResult> {
  const entries = Object.entries(secrets ?? {});
  for (const [key, value] of entries) {
    if (key === "" || typeof value !== "string" || value === "") {
      throw new MoleculeError(
        `secret ${JSON.stringify(key)} needs a non-empty key and string value; nothing was set`,
        { code: "invalid_argument" },
      );
    }
  }
  const setKeys: string[] = [];
  const awaitingApproval: PendingSecret[] = [];
  for (const [i, [key, value]] of entries.entries()) {
    let error: MoleculeError | undefined;
    let approvalId: string | undefined;
    try {
      const res = await admin.transport.send({
        method: "POST",
        path: `/workspaces/${enc(id)}/secrets`,
        json: { key, value },
        signal,
      });
      approvalId = pendingApprovalId(res.status, res.body);
      if (!ok(res.status)) error = secretError(res, `setSecrets(${id}, ${key})`, admin, value);
    } catch (err) {
      if (!(err instanceof MoleculeError)) throw err; // the signal's reason
      error = err;
    }
    if (error) {
      const pendingKeys = entries.slice(i + 1).map(([k]) => k);
      error.message +=
        setKeys.length === 0
          ? `; no secret was set (${entries.length} requested)`
          : `; already set and still in place: ${setKeys.join(", ")}; not set: ${[key, ...pendingKeys].join(", ")} (retry these)`;
      const failure: SetSecretsFailure = {
        setKeys,
        awaitingApproval,
        failedKey: key,
        pendingKeys,
      };
      throw Object.assign(error, failure);
    }
    if (approvalId !== undefined)
      awaitingApproval.push(pendingSecret(admin, id, key, value, approvalId));
    else setKeys.push(key);
  }
  if (awaitingApproval.length > 0) {
    admin.logger?.warn?.(
      `setSecrets(${id}): ${awaitingApproval.length} secret(s) wait for a person's approval and are not set yet: ${awaitingApproval.map((p) => `${p.key} (approval ${p.approvalId})`).join(", ")}; an approval stores nothing by itself: send the write again after it (each entry's complete())`,
    );
  }
  return { stored: setKeys, awaitingApproval };
}

function secretError(
  res: HttpResponse,
  op: string,
  admin: AdminTransport,
  value: string,
): MoleculeError {
  const known = [admin.token, value];
  return httpError(res, op, known, adminAuthHints(op, res, known));
}

/** A held write, with the `complete()` that sends it again (not enumerable: it holds the value). */
function pendingSecret(
  admin: AdminTransport,
  id: string,
  key: string,
  value: string,
  approvalId: string,
): PendingSecret {
  const entry = { key, approvalId } as PendingSecret;
  const complete = async (options: { signal?: AbortSignal } = {}): Promise<CompletedSecret> => {
    const op = `complete secret write (${id}, ${key})`;
    const res = await admin.transport.send({
      method: "POST",
      path: `/workspaces/${enc(id)}/secrets`,
      json: { key, value },
      signal: options.signal,
    });
    if (!ok(res.status)) throw secretError(res, op, admin, value);
    const again = pendingApprovalId(res.status, res.body);
    if (again === undefined) return { key, status: "stored" };
    const renewed = again !== approvalId;
    admin.logger?.warn?.(
      renewed
        ? `${op}: approval ${approvalId} was denied, expired or already used; the platform opened approval ${again}: nothing is stored until a person approves it and the write is sent again`
        : `${op}: approval ${approvalId} is not decided yet; nothing is stored`,
    );
    return { key, status: "pending_approval", approvalId: again, renewed };
  };
  Object.defineProperty(entry, "complete", { value: complete, enumerable: false });
  return entry;
}
