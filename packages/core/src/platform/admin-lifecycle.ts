// Pause and resume as `AdminClient` sends them (`POST /workspaces/:id/pause|resume`), and what each
// answer of the platform means (`handlers/workspace_restart.go` at enteros-core aeec8e47):
// `?cascade=true` covers the descendants, `207` is a partial result, `500` one where nothing moved.
import type { HttpResponse, HttpTransport, Logger } from "../transport/index.js";
import { MoleculeError, redactDeep } from "../transport/index.js";
import { errorText, type Hints, httpError, ok } from "./http-errors.js";

const enc = encodeURIComponent;

/** One step of a pause or resume that failed, as the platform lists it in `failures[]`. */
export interface LifecycleFailure {
  /** The workspace the step was for. */
  workspaceId: string;
  /** Its name, when the platform gave it. */
  name: string;
  /**
   * Which step failed. Pause: `"stop"` (the workload was never stopped), `"mark_paused"` or
   * `"claim"` (it was stopped but its row does not say paused), `"broadcast"` (it is paused; only
   * the canvas event failed). Resume: `"mark_provisioning"` or `"claim"` (nothing was
   * provisioned), `"broadcast"` (it is provisioning; only the event failed).
   */
  stage: string;
  /** The platform's error text for the step. */
  error: string;
}

/** A descendant the platform named when it refused a pause or resume without `cascade`. */
export interface NamedWorkspace {
  id: string;
  name: string;
}

/** What `AdminClient.pause` did. */
export interface PauseResult {
  workspaceId: string;
  /** `"paused"` (every workspace reached it) or `"partially_paused"` (a `207`: see `failures`). */
  status: "paused" | "partially_paused";
  /**
   * How many workspaces are paused now: this one and the descendants that were not paused yet
   * (`paused_count`; the platform names only the ones that failed).
   */
  pausedCount: number;
  /** The steps that failed (a `207`); empty when all went well. */
  failures: LifecycleFailure[];
  /** The response body. */
  raw: unknown;
}

/** What `AdminClient.resume` did. */
export interface ResumeResult {
  workspaceId: string;
  /**
   * `"provisioning"` (the platform queued a provision of every paused workspace of the subtree) or
   * `"partially_resumed"` (a `207`: see `failures`). Provisioning is not running: it succeeds or
   * fails later (`WORKSPACE_PROVISION_FAILED`, status `failed`).
   */
  status: "provisioning" | "partially_resumed";
  /** How many workspaces entered provisioning (`resumed_count`). */
  resumedCount: number;
  /** The steps that failed (a `207`); empty when all went well. */
  failures: LifecycleFailure[];
  /**
   * Set when the workspace is external (`runtime: "external"`): the platform re-provisions it as it
   * would a container, which fails (a tenant marks it `failed`, `MISSING_MODEL`, within seconds);
   * an external workspace comes back when its agent registers again.
   */
  warning?: string;
  /** The response body. */
  raw: unknown;
}

/** The error of a pause or resume that moved nothing (`500 pause_failed` / `resume_failed`). */
export interface LifecycleFailedError extends MoleculeError {
  failures: LifecycleFailure[];
}

/** The error of a pause or resume refused without `cascade` (`409`, August 2026). */
export interface DescendantsError extends MoleculeError {
  descendants: NamedWorkspace[];
}

/** What {@link pauseOrResume} needs of the admin client. */
export interface LifecycleTransport {
  transport: HttpTransport;
  token: string;
  logger: Logger | undefined;
  /** The per-status messages every admin call gets (401/403 name the admin token). */
  authHints: (op: string, res: HttpResponse, known: readonly string[]) => Hints;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function failuresOf(body: unknown): LifecycleFailure[] {
  const list = (body as { failures?: unknown } | undefined)?.failures;
  if (!Array.isArray(list)) return [];
  return list.map((f: unknown) => {
    const r = (f ?? {}) as Record<string, unknown>;
    return {
      workspaceId: str(r["workspace_id"]),
      name: str(r["name"]),
      stage: str(r["stage"]),
      error: str(r["error"]),
    };
  });
}

function named(list: unknown): NamedWorkspace[] {
  if (!Array.isArray(list)) return [];
  return list.map((d: unknown) => {
    const r = (d ?? {}) as Record<string, unknown>;
    return { id: str(r["id"]), name: str(r["name"]) };
  });
}

function count(body: unknown, key: string): number {
  const v = (body as Record<string, unknown> | undefined)?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function describeFailures(failures: LifecycleFailure[]): string {
  return failures
    .map((f) => `${f.name || f.workspaceId} (${f.workspaceId}) at "${f.stage}": ${f.error}`)
    .join("; ");
}

/**
 * `POST /workspaces/:id/pause` or `/resume`, `?cascade=true` unless `cascade` is `false` (servers
 * before June 2026 cascade always and ignore the query). Returns the answer's status and body; a
 * refusal, a `500` and an unexpected answer raise.
 */
export async function pauseOrResume(
  admin: LifecycleTransport,
  what: "pause" | "resume",
  id: string,
  options: { cascade?: boolean | undefined; signal?: AbortSignal | undefined },
): Promise<PauseResult | ResumeResult> {
  const op = `${what}(${id})`;
  const cascade = options.cascade !== false;
  const res = await admin.transport.send({
    method: "POST",
    path: `/workspaces/${enc(id)}/${what}`,
    query: { cascade: cascade ? "true" : undefined },
    signal: options.signal,
  });
  const known = [admin.token];
  const body = redactDeep(res.body, known);
  if (!ok(res.status)) throw lifecycleError(admin, what, id, res);
  const failures = failuresOf(body);
  if (what === "pause") {
    const partial = res.status === 207;
    if (partial) {
      admin.logger?.warn?.(
        `${op}: ${count(body, "paused_count")} workspace(s) paused, ${failures.length} step(s) failed: ${describeFailures(failures)}`,
      );
    }
    return {
      workspaceId: id,
      status: partial ? "partially_paused" : "paused",
      pausedCount: count(body, "paused_count"),
      failures,
      raw: body,
    };
  }
  const partial = res.status === 207;
  if (partial) {
    admin.logger?.warn?.(
      `${op}: ${count(body, "resumed_count")} workspace(s) entered provisioning, ${failures.length} step(s) failed: ${describeFailures(failures)}`,
    );
  }
  return {
    workspaceId: id,
    status: partial ? "partially_resumed" : "provisioning",
    resumedCount: count(body, "resumed_count"),
    failures,
    raw: body,
  };
}

/** The error for a pause or resume the platform refused or failed. */
function lifecycleError(
  admin: LifecycleTransport,
  what: "pause" | "resume",
  id: string,
  res: HttpResponse,
): MoleculeError {
  const op = `${what}(${id})`;
  const known = [admin.token];
  const body = redactDeep(res.body, known);
  const said = errorText(res.body, known) ?? "";
  const base = { status: res.status, body };
  if (res.status === 409 && /has descendants/.test(said)) {
    const descendants = named((body as { descendants?: unknown } | undefined)?.descendants);
    const err = new MoleculeError(
      `${op}: workspace ${id} has ${descendants.length} descendant(s) (${descendants.map((d) => d.name || d.id).join(", ")}) and cascade was false; ${what} them too with { cascade: true } (the default), or ${what} each one on its own (leaves first for a pause)`,
      { ...base, code: "has_descendants" },
    );
    return Object.assign(err, { descendants }) satisfies DescendantsError;
  }
  if (res.status === 409 && /is paused/.test(said)) {
    return new MoleculeError(
      `${op}: an ancestor of workspace ${id} is paused ("${said}"); resume the topmost paused ancestor first (its resume covers its descendants)`,
      { ...base, code: "parent_paused" },
    );
  }
  if (res.status === 503 && said === "provisioner not available") {
    return new MoleculeError(
      `${op}: this platform has no provisioner to ${what} workspace ${id} with (503 "provisioner not available"); ${what === "resume" ? "an external workspace is resumed by starting its agent again (it registers)" : "retry on a platform with one"}`,
      { ...base, code: "unavailable", retryable: false },
    );
  }
  const failures = failuresOf(body);
  const status = (body as { status?: unknown } | undefined)?.status;
  if (res.status === 500 && (status === "pause_failed" || status === "resume_failed")) {
    const err = new MoleculeError(
      what === "pause"
        ? `${op}: no workspace was paused (500 pause_failed, ${failures.length} step(s) failed: ${describeFailures(failures)}); stage "stop" means the workload still runs, "mark_paused"/"claim" that it was stopped but its row does not say paused: read the workspaces' status before retrying`
        : `${op}: no workspace entered provisioning (500 resume_failed, ${failures.length} step(s) failed: ${describeFailures(failures)}); nothing was provisioned: read the workspaces' status before retrying`,
      { ...base, code: what === "pause" ? "pause_failed" : "resume_failed", retryable: false },
    );
    return Object.assign(err, { failures }) satisfies LifecycleFailedError;
  }
  return httpError(res, op, known, {
    ...admin.authHints(op, res, known),
    404: `${op}: workspace ${id} does not exist or is ${what === "pause" ? "already paused" : "not paused"} (404${said ? ` "${said}"` : ""})`,
  });
}

/**
 * The warning for a resume of an external workspace: the platform provisions it as a container
 * (newer platforms; the April-2026 one refuses with 503), which fails.
 */
export function externalResumeWarning(id: string, status: string | undefined): string {
  return (
    `workspace ${id} is external: the platform resumes it by provisioning it as it would a ` +
    `container, which fails (on a SaaS tenant it is marked failed, MISSING_MODEL, within seconds)` +
    (status ? `; its status is now "${status}"` : "") +
    `; it comes back when its agent registers again (restart the agent, or let a running one with onPause: "wait" register)`
  );
}
