// Maps non-2xx platform responses to typed errors with messages that say what to do next.
import {
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculeRateLimitError,
  UnexpectedResponseError,
} from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import { oneLine, quoteBody, redactDeep, redactText } from "../transport/index.js";
import { rateLimitWaitMs } from "../transport/index.js";
import type { z } from "zod";
import { parseWire } from "../wire/index.js";

const MAX_DETAIL = 200;

/**
 * `text` on one line (whitespace collapsed) and cut to 200 characters (an ellipsis marks the cut):
 * error messages stay short and carry no line break from a body.
 */
export function clip(text: string): string {
  return oneLine(text, MAX_DETAIL);
}

/**
 * The `error` (or `message`) string of an error body, if any, for an error message: on one line,
 * cut to 200 characters and with every `known` secret masked (the body may be a peer's, or echo a
 * request). A text body gives its page's title or a short excerpt (`quoteBody`), never markup.
 */
export function errorText(body: unknown, known: readonly string[]): string | undefined {
  let text: string | undefined;
  // Text or a page: its title or a short excerpt on one line, never its markup.
  if (typeof body === "string") text = quoteBody(redactText(body, known))?.text;
  else if (typeof body === "object" && body !== null) {
    const e = (body as { error?: unknown }).error;
    const m = (body as { message?: unknown }).message;
    text = typeof e === "string" ? e : typeof m === "string" ? m : undefined;
  }
  // Mask before cutting, so a cut cannot leave a recognisable fragment of a secret unmasked.
  return text ? clip(redactText(text, known)) : undefined;
}

/** Per-status message overrides for one operation. */
export type Hints = Partial<Record<number, string>>;

/** What a request carried that its error message may depend on (see {@link httpError}). */
export interface RequestContext {
  /** The org id sent as `X-Molecule-Org-Id` (`orgId`, `MOLECULE_ORG_ID`), if any. */
  orgId?: string | undefined;
}

/** Whether a response body is empty (no bytes, or only whitespace). */
function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || (typeof body === "string" && body.trim() === "");
}

/**
 * A hosted (SaaS tenant) platform's refusal, read from its tenant guard
 * (`middleware/tenant_guard.go`), or `undefined`. Without `X-Molecule-Org-Id` a tenant answers
 * every route but register and heartbeat `400 {"code":"TENANT_ORG_HEADER_REQUIRED",...}`:
 * `org_id_required`. With a wrong one it answers a bare `404` with an empty body, the same as for
 * a workspace it does not hold (a tenant must not be probeable). The platform's own 404s carry a
 * body (JSON; for a route it does not have, gin's text "404 page not found"), so an empty 404 to
 * a request that sent an org id is `org_or_workspace_not_found`. Neither is retryable.
 */
export function tenantRefusal(
  res: HttpResponse,
  op: string,
  known: readonly string[],
  context: RequestContext = {},
): MoleculeError | undefined {
  const { status } = res;
  const code = (res.body as { code?: unknown } | null | undefined)?.code;
  if (status === 400 && code === "TENANT_ORG_HEADER_REQUIRED") {
    return new MoleculeError(
      context.orgId
        ? `${op}: the platform is a SaaS tenant and needs its organisation id (400 TENANT_ORG_HEADER_REQUIRED), but the X-Molecule-Org-Id header this client sent did not arrive: check proxies between here and the platform`
        : `${op}: the platform is a SaaS tenant and needs its organisation id (400 TENANT_ORG_HEADER_REQUIRED): set MOLECULE_ORG_ID (or pass orgId) to your organisation's id`,
      { status, body: redactDeep(res.body, known), code: "org_id_required", retryable: false },
    );
  }
  if (status === 404 && context.orgId && isEmptyBody(res.body)) {
    return new MoleculeNotFoundError(
      `${op} found nothing (404 with an empty body): the org id is wrong, or the workspace does not exist (a SaaS tenant answers both alike): check MOLECULE_ORG_ID (orgId) and MOLECULE_WORKSPACE_ID`,
      { status, body: redactDeep(res.body, known), code: "org_or_workspace_not_found" },
    );
  }
  return undefined;
}

/**
 * Builds the typed error for a non-2xx response of operation `op`. Every error built from a
 * response is built here or in {@link expectShape}: both mask the `known` secrets (the caller's
 * tokens) in everything taken from the response, since a hostile or broken server may echo them.
 * A SaaS tenant's refusal ({@link tenantRefusal}) wins over the operation's `hints`.
 *
 * @param known - Secrets to mask in the message and the attached body.
 * @param context - What the request carried (its org id).
 */
export function httpError(
  res: HttpResponse,
  op: string,
  known: readonly string[],
  hints: Hints = {},
  context: RequestContext = {},
): MoleculeError {
  const tenant = tenantRefusal(res, op, known, context);
  if (tenant) return tenant;
  const status = res.status;
  const body = redactDeep(res.body, known);
  // The platform's own answer: the transport judged the path's (a front's page) before.
  const detail = errorText(res.body, known);
  const said = detail ? `: "${detail}"` : "";
  const hint = hints[status];
  const base = { status, body };
  if (status === 401) {
    return new MoleculeAuthError(
      hint ??
        `${op} was rejected with 401${said}; the workspace token is missing, wrong or revoked. Pass the workspace's token as \`token\` or through \`tokenStore\``,
      base,
    );
  }
  if (status === 403) {
    return new MoleculeAuthError(hint ?? `${op} is not allowed (403)${said}`, base);
  }
  if (status === 404) {
    // gin's plain-text answer for a route it does not have: the address is not the platform's
    // base URL (a path after the host), or the platform is older or newer than this route.
    const noRoute = typeof res.body === "string" && res.body.trim() === "404 page not found";
    return new MoleculeNotFoundError(
      hint ??
        (noRoute
          ? `${op}: the platform has no such route (404 page not found): check that platformUrl (MOLECULE_PLATFORM_URL) is the platform's base address with no path after the host; otherwise this platform version does not offer ${op}`
          : `${op} found nothing (404)${said}${detail ? "" : "; an empty 404 usually means a SaaS edge rejected the request: check platformUrl, orgId and origin"}`),
      base,
    );
  }
  if (status === 429) {
    // Whole seconds rounded down by the platform (0 in its window's last second): one more.
    const retryAfterMs = rateLimitWaitMs(res.headers, res.body);
    return new MoleculeRateLimitError(
      hint ??
        `${op} was refused by the platform's rate limit (429) and not carried out${retryAfterMs === undefined ? "" : `; it may be sent again in ${Math.ceil(retryAfterMs / 1000)} s`}: fewer requests a minute share this bucket (the org with MOLECULE_ORG_ID, else the token), or ask the platform's operator for a higher RATE_LIMIT`,
      { ...base, retryAfterMs },
    );
  }
  if (status === 400) {
    return new MoleculeError(
      hint ??
        `${op} was refused as a bad request (400)${said}; check the arguments against the platform version`,
      {
        ...base,
        code: "bad_request",
      },
    );
  }
  if (status === 409) {
    return new MoleculeError(
      hint ?? `${op} conflicts with the current state (409)${said}; re-read the state and retry`,
      {
        ...base,
        code: "conflict",
      },
    );
  }
  if (status === 402) {
    return new MoleculeError(
      hint ?? `${op}: the workspace's budget is exhausted (402)${said}; raise it on the platform`,
      {
        ...base,
        code: "budget_exceeded",
      },
    );
  }
  if (status >= 500) {
    return new MoleculeError(
      hint ?? `${op} failed on the platform (${status})${said}; retry later`,
      {
        ...base,
        code: status === 503 ? "unavailable" : "server_error",
        // 500 is usually transient (a restart, a lost database connection); 501 and 505 are not.
        retryable: status !== 501 && status !== 505,
      },
    );
  }
  return new MoleculeError(
    hint ?? `${op} failed with HTTP ${status}${said}; check platformUrl and the platform version`,
    {
      ...base,
      code: "http_error",
    },
  );
}

/**
 * Validates a 2xx body; raises {@link UnexpectedResponseError} naming the failing path, with the
 * `known` secrets masked in its message, path and body (a key of the body may be a secret too).
 * `includeBody: false` attaches no body (answers that carry secrets of their own).
 */
export function expectShape<T>(
  schema: z.ZodType<T>,
  res: HttpResponse,
  op: string,
  known: readonly string[],
  { includeBody = true } = {},
): T {
  const r = parseWire(schema, res.body);
  if (r.ok) return r.value;
  const path = redactText(r.path, known);
  throw new UnexpectedResponseError(
    redactText(
      `${op} answered ${res.status} with an unexpected body at "${path || "(root)"}": ${r.message}; the platform version may be unsupported or the URL may point at something else (check platformUrl)`,
      known,
    ),
    {
      status: res.status,
      path,
      body: includeBody ? redactDeep(res.body, known) : undefined,
    },
  );
}

/** Whether `status` is 2xx. */
export function ok(status: number): boolean {
  return status >= 200 && status < 300;
}
