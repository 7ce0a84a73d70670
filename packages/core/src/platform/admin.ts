// AdminClient: set-up operations with an admin (or org) token — create an external workspace,
// delete, pause/resume, set secrets. The requests with rules of their own are sent from beside it:
// workspace rows (admin-workspaces.ts), pause and resume (admin-lifecycle.ts), secrets
// (admin-secrets.ts); this file holds the client and the requests it sends as they are.
import type { Dispatcher } from "undici";
import { MoleculeError } from "../transport/index.js";
import { HttpTransport } from "../transport/index.js";
import type { HttpResponse, Logger } from "../transport/index.js";
import { inspectCustom, REDACTED, redactDeep } from "../transport/index.js";
import {
  approvalDecisionSchema,
  externalConnectionSchema,
  pendingApprovalListSchema,
  restartSchema,
  type WireWorkspace,
} from "../wire/index.js";
import { type ApprovalDecision, decisionNotFound, decisionRequest } from "./approvals.js";
import { type ExternalConnection, type RestartResult, toExternalConnection } from "./external.js";
import { errorText, expectShape, type Hints, ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";
import { type AdminTransport, type SetSecretsResult, setSecrets } from "./admin-secrets.js";
import {
  externalResumeWarning,
  type LifecycleTransport,
  type PauseResult,
  pauseOrResume,
  type ResumeResult,
} from "./admin-lifecycle.js";
import { adminAuthHints, adminError } from "./admin-auth.js";
import {
  createExternalWorkspace,
  type CreatedWorkspace,
  type CreateExternalWorkspaceInput,
  deleteWorkspace,
  getWorkspace,
} from "./admin-workspaces.js";
import { orgIdOf } from "./env.js";

export type { CreatedWorkspace, CreateExternalWorkspaceInput } from "./admin-workspaces.js";

/** Options of {@link AdminClient}. */
export interface AdminClientOptions {
  platformUrl: string;
  /** The platform's `ADMIN_TOKEN` or an org API token. */
  adminToken: string;
  /** A SaaS tenant's organisation id, sent as `X-Molecule-Org-Id`; default `MOLECULE_ORG_ID`. */
  orgId?: string | undefined;
  origin?: string | false | undefined;
  dispatcher?: Dispatcher | undefined;
  /** The forward proxy (a URL, or `false`); default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy?: string | URL | false | undefined;
  /** Timeout of each HTTP attempt in ms (default 30 000); see `PlatformClientOptions.timeoutMs`. */
  timeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

/** One pending approval of {@link AdminClient.listPendingApprovals}. */
export interface PendingApproval {
  id: string;
  workspaceId: string;
  workspaceName: string;
  action: string;
  reason: string;
  createdAt: string | null;
}

const enc = encodeURIComponent;

/**
 * Administrative client for setting workspaces up (tests, CLIs, provisioning scripts). Reads
 * `MOLECULE_ORG_ID` without `orgId`, and the proxy variables without `proxy` or `dispatcher`.
 */
export class AdminClient {
  /** The platform base URL. */
  readonly platformUrl: string;
  readonly #transport: HttpTransport;
  readonly #token: string;
  readonly #logger: Logger | undefined;

  constructor(options: AdminClientOptions) {
    if (!options?.adminToken) {
      const what = "AdminClient needs adminToken (the platform's ADMIN_TOKEN or an org API token)";
      throw new MoleculeError(what, { code: "invalid_argument" });
    }
    this.#token = options.adminToken;
    this.#logger = options.logger;
    this.#transport = new HttpTransport({
      baseUrl: options.platformUrl,
      getToken: () => this.#token,
      orgId: orgIdOf(options.orgId),
      origin: options.origin,
      dispatcher: options.dispatcher,
      proxy: options.proxy,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
    });
    this.platformUrl = this.#transport.origin + this.#transport.basePath;
  }

  [inspectCustom](): string {
    return `AdminClient { platformUrl: '${this.platformUrl}', adminToken: '${REDACTED}' }`;
  }

  toJSON(): object {
    return { platformUrl: this.platformUrl, adminToken: REDACTED };
  }

  /** Creates an external workspace (`runtime: "external"` always). Without `url` the result carries its token. */
  async createExternalWorkspace(
    input: CreateExternalWorkspaceInput,
    options: { signal?: AbortSignal } = {},
  ): Promise<CreatedWorkspace> {
    return await createExternalWorkspace(this.#admin(), input, options.signal);
  }

  /**
   * Deletes (removes) a workspace. `confirm: true` says the caller means it: the April-2026 server
   * wants it for a workspace with children (`?confirm=true`), the August-2026 one for every delete
   * (`X-Confirm-Name: <the workspace's name>`, read from the platform first); without it such a
   * delete is refused with `confirmation_required`. `purge` hard-deletes. A
   * `500 "workspace marked removed, but N stop call(s) failed …"` (the April-2026 server with a
   * Docker client but no daemon) counts as removed: only stopping containers failed; a warning is
   * logged.
   */
  async deleteWorkspace(
    workspaceId: string,
    options: { confirm?: boolean; purge?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    await deleteWorkspace(this.#admin(), workspaceId, options);
  }

  /**
   * Rotates an external workspace's credentials (`POST /workspaces/:id/external/rotate`, newer
   * platforms, molecule-core #2852): the platform revokes every token of the workspace, then mints
   * one, returned once in `token`. The agent running with the old token gets 401 from its next
   * call: write the new token to its token file (`MOLECULE_WORKSPACE_TOKEN_FILE`, read again on a
   * 401) or restart it with the new token. A `500 "mint failed"` left the workspace without any
   * live token: rotate again. Another runtime is refused (`bad_request`).
   */
  async rotateExternalCredentials(
    workspaceId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ExternalConnection> {
    return await this.#connection(workspaceId, "POST", "rotate", options.signal);
  }

  /**
   * An external workspace's connection block again, without a token and without rotating
   * (`GET /workspaces/:id/external/connection`, newer platforms, #2852): the URLs and snippets an
   * operator needs to set an agent up with a token they still have.
   */
  async getExternalConnection(
    workspaceId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ExternalConnection> {
    return await this.#connection(workspaceId, "GET", "connection", options.signal);
  }

  async #connection(
    workspaceId: string,
    method: "POST" | "GET",
    what: "rotate" | "connection",
    signal: AbortSignal | undefined,
  ): Promise<ExternalConnection> {
    const id = requireWorkspaceId(workspaceId, "workspace id");
    const op = `${what === "rotate" ? "rotateExternalCredentials" : "getExternalConnection"}(${id})`;
    const res = await this.#transport.send({
      method,
      path: `/workspaces/${enc(id)}/external/${what}`,
      signal,
    });
    if (!ok(res.status)) {
      const said = errorText(res.body, [this.#token]);
      const hints: Hints = {
        400: `${op}: workspace ${id} is not an external workspace (400 "${said ?? ""}"); credentials of another runtime are renewed by restarting it`,
        404: /workspace not found/.test(said ?? "")
          ? `${op}: workspace ${id} does not exist (404)`
          : `${op}: this platform has no external credential routes (404${said ? ` "${said}"` : ""}); they came after April 2026 (molecule-core #2852)`,
      };
      if (what === "rotate" && said === "mint failed")
        hints[500] = `${op}: the platform revoked every token of workspace ${id} but could not mint a new one (500 "mint failed"): no token is live now; rotate again`;
      throw this.#fail(res, op, hints);
    }
    const wire = expectShape(externalConnectionSchema, res, op, [this.#token], {
      includeBody: false,
    });
    return toExternalConnection(wire, res.body, [this.#token]);
  }

  /**
   * Restarts a workspace (`POST /workspaces/:id/restart`). On newer platforms an external
   * workspace's restart is a no-op (`status: "noop"`, #2412): restart its agent instead (before,
   * the platform re-provisioned it, which revoked every token). A platform without a provisioner
   * answers `503 provisioner not available` (the April 2026 one for every external workspace):
   * an `unavailable` error saying so, not retried.
   */
  async restartWorkspace(
    workspaceId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RestartResult> {
    const id = requireWorkspaceId(workspaceId, "workspace id");
    const op = `restartWorkspace(${id})`;
    const res = await this.#transport.send({
      method: "POST",
      path: `/workspaces/${enc(id)}/restart`,
      signal: options.signal,
    });
    if (res.status === 503 && errorText(res.body, [this.#token]) === "provisioner not available") {
      throw new MoleculeError(
        `${op}: this platform has no provisioner to restart workspace ${id} with (503 "provisioner not available"); an external workspace is restarted by restarting its agent`,
        { code: "unavailable", status: 503, body: redactDeep(res.body, [this.#token]) },
      );
    }
    if (!ok(res.status)) {
      throw this.#fail(res, op, {
        404: `${op}: workspace ${id} does not exist (404)`,
      });
    }
    const b = expectShape(restartSchema, res, op, [this.#token]);
    const out: RestartResult = { status: b.status, raw: redactDeep(res.body, [this.#token]) };
    if (b.runtime) out.runtime = b.runtime;
    if (b.message) out.message = b.message;
    return out;
  }

  /**
   * Pauses a workspace and its descendants (`POST /workspaces/:id/pause?cascade=true`): the platform
   * stops each one and blanks its URL; their agents see `paused` (`onPause`). August-2026 platforms
   * pause descendants only when asked (`?cascade=true`, sent unless `cascade: false`; without it a
   * workspace with children is refused, `has_descendants`, the error's `descendants` naming them);
   * older ones cascade always and ignore the query. The result counts what was paused; a `207` is
   * `partially_paused` with `failures` (which workspace, which step), a `500 pause_failed` a
   * `MoleculeError` `pause_failed` carrying `failures`. `404`: unknown or already paused.
   */
  async pause(
    workspaceId: string,
    options: { cascade?: boolean; signal?: AbortSignal } = {},
  ): Promise<PauseResult> {
    const id = requireWorkspaceId(workspaceId, "workspace id");
    return (await pauseOrResume(this.#lifecycle(), "pause", id, options)) as PauseResult;
  }

  /**
   * Resumes a paused workspace and its paused descendants (`POST /workspaces/:id/resume?cascade=true`,
   * `cascade` as for {@link pause}): the platform re-provisions each one (`status: "provisioning"`,
   * which succeeds or fails later). A `207` is `partially_resumed` with `failures`, a
   * `500 resume_failed` a `MoleculeError` `resume_failed`; a paused ancestor is `parent_paused`
   * (resume it first); a platform without a provisioner answers `unavailable` (the April-2026 one
   * for every external workspace).
   *
   * An external workspace (`runtime: "external"`): the platform provisions it as it would a
   * container, which fails (a SaaS tenant marks it `failed`, `MISSING_MODEL`, within seconds). The
   * workspace comes back when its agent registers again: an agent with `onPause: "wait"` does so by
   * itself; otherwise start it again (`whenPaused: "resume"` registers a paused workspace). The
   * result's `warning` says so (the workspace is read after the resume), and it is logged.
   */
  async resume(
    workspaceId: string,
    options: { cascade?: boolean; signal?: AbortSignal } = {},
  ): Promise<ResumeResult> {
    const id = requireWorkspaceId(workspaceId, "workspace id");
    const out = (await pauseOrResume(this.#lifecycle(), "resume", id, options)) as ResumeResult;
    const ws = await this.getWorkspace(id, { signal: options.signal }).catch(() => undefined);
    if (ws?.runtime === "external") {
      out.warning = externalResumeWarning(
        id,
        typeof ws.status === "string" ? ws.status : undefined,
      );
      this.#logger?.warn?.(`resume(${id}): ${out.warning}`);
    }
    return out;
  }

  /** The typed error of a non-2xx answer to `op`: a 401/403 names the admin token (#79). */
  #fail(res: HttpResponse, op: string, hints: Hints = {}): MoleculeError {
    return adminError(this.#admin(), res, op, hints);
  }

  /** What the functions that send an admin's requests need of this client. */
  #admin(): AdminTransport {
    return { transport: this.#transport, token: this.#token, logger: this.#logger };
  }

  #lifecycle(): LifecycleTransport {
    return { ...this.#admin(), authHints: adminAuthHints };
  }

  /**
   * Sets secrets on a workspace, one `POST /workspaces/:id/secrets` per key, in order; see
   * {@link setSecrets} (what was stored, and what waits for a person's approval).
   */
  async setSecrets(
    workspaceId: string,
    secrets: Record<string, string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<SetSecretsResult> {
    const id = requireWorkspaceId(workspaceId, "workspace id");
    return await setSecrets(this.#admin(), id, secrets, options.signal);
  }

  /** A workspace as the platform describes it, including removed ones (`status: "removed"`). */
  async getWorkspace(
    workspaceId: string,
    options: { signal?: AbortSignal; includeRemoved?: boolean } = {},
  ): Promise<WireWorkspace> {
    return await getWorkspace(this.#admin(), workspaceId, options);
  }

  /**
   * The 50 newest pending approval requests of the whole platform (`GET /approvals/pending`).
   * Side effect of the platform's: requests older than 10 minutes are denied ("auto-expired",
   * with no event) before the listing.
   */
  async listPendingApprovals(options: { signal?: AbortSignal } = {}): Promise<PendingApproval[]> {
    const res = await this.#transport.send({
      method: "GET",
      path: "/approvals/pending",
      signal: options.signal,
    });
    if (!ok(res.status)) throw this.#fail(res, "listPendingApprovals");
    return expectShape(pendingApprovalListSchema, res, "listPendingApprovals", [this.#token]).map(
      (a) => ({
        id: a.id,
        workspaceId: a.workspace_id,
        workspaceName: a.workspace_name ?? "",
        action: a.action,
        reason: a.reason ?? "",
        createdAt: a.created_at ?? null,
      }),
    );
  }

  /**
   * Decides a workspace's pending approval as a person on the canvas does (admin token;
   * `decidedBy` defaults to `"human"` on the platform). `approval_not_pending` when it is unknown,
   * already decided or expired.
   */
  async decideApproval(
    workspaceId: string,
    approvalId: string,
    decision: ApprovalDecision,
    options: { decidedBy?: string; signal?: AbortSignal } = {},
  ): Promise<{ approvalId: string; status: ApprovalDecision }> {
    const { path, json } = decisionRequest(workspaceId, approvalId, decision, options.decidedBy);
    const res = await this.#transport.send({ method: "POST", path, json, signal: options.signal });
    if (res.status === 404) throw decisionNotFound(res, approvalId, [this.#token]);
    if (!ok(res.status)) throw this.#fail(res, "decideApproval");
    const b = expectShape(approvalDecisionSchema, res, "decideApproval", [this.#token]);
    return { approvalId: b.approval_id, status: b.status === "approved" ? "approved" : "denied" };
  }

  /** Closes the connection pool (when the client created it). */
  async close(): Promise<void> {
    await this.#transport.close();
  }
}
