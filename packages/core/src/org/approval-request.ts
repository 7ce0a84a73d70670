// What a person is asked to approve, and what the decision binds to: the full text (never cut; a
// request too long to show whole is refused), a SHA-256 digest of it, and a reference line naming
// the one request a decision answers. shared/reference/platform-api-workspace-features.md §2.
import { randomHex, sha256Hex } from "../runtime/index.js";
import { unicodeEscape } from "../a2a/index.js";
import {
  approvalBody,
  type ApprovalRecord,
  type ApprovalRequestInput,
  MAX_APPROVAL_ACTION_CHARS,
  MAX_APPROVAL_REASON_CHARS,
} from "../platform/index.js";
import { MoleculeError } from "../transport/index.js";

/** A request whose text cannot be shown whole to a person; nothing was sent. */
export class ApprovalTooLongError extends MoleculeError {
  constructor(message: string) {
    super(message, { code: "approval_too_long", retryable: false });
  }
}

/** An approval request bound to a digest (what {@link toolCallApproval} returns). */
export interface BoundApprovalRequest extends ApprovalRequestInput {
  /** SHA-256 (hex) of the canonical JSON of the tool name and its complete input. */
  digest: string;
}

/** `value` as JSON with object keys sorted at every level (the form a digest is computed over). */
function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (typeof (v as { toJSON?: unknown }).toJSON === "function")
      return walk((v as { toJSON: () => unknown }).toJSON());
    if (seen.has(v))
      throw new MoleculeError("a tool input must not be circular", { code: "invalid_argument" });
    seen.add(v);
    const out = Array.isArray(v)
      ? v.map(walk)
      : Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, walk((v as Record<string, unknown>)[k])]),
        );
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value)) ?? "null";
}

/**
 * What a person cannot see or may misread in approval text: control, format (zero-width, bidi
 * embeddings, overrides and isolates, soft hyphen, BOM, tags) and other default-ignorable
 * characters, and the line and paragraph separators.
 */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
/** The same, a tab and a line feed aside (free text keeps its lines). */
const UNSEEN_IN_TEXT = /(?![\t\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * Approval text as a person sees it: every invisible, bidirectional or line-separating character
 * written as its escape (`\u202E`), tabs and line feeds kept. What runs is bound by the digest of
 * the exact input; this is only what is shown.
 */
function visibleApprovalText(text: string): string {
  return text.replace(UNSEEN_IN_TEXT, unicodeEscape);
}

/**
 * `value` as canonical JSON (sorted keys) for a person: in strings, every invisible, bidirectional
 * or line-separating character written as its `\uXXXX` escape; in keys, every character outside
 * printable ASCII, so a key that looks like another (`comm\u200Band`, a Cyrillic `с`) shows as
 * what it is. It is still JSON, read back as exactly `value`.
 */
function shownJson(value: unknown): string {
  const walk = (v: unknown): string => {
    if (typeof v === "string") return quote(v, false);
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    if (Array.isArray(v)) return `[${v.map(walk).join(",")}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${quote(k, true)}:${walk(o[k])}`)
      .join(",")}}`;
  };
  return walk(JSON.parse(canonicalJson(value))); // plain JSON values: toJSON applied, undefined gone
}

/** A JSON string as a person is shown it (a key: every non-ASCII character escaped). */
function quote(s: string, key: boolean): string {
  return JSON.stringify(s).replace(key ? /[^\x20-\x7e]/g : UNSEEN, unicodeEscape);
}

/** The request as a person is shown it: its action and reason through {@link visibleApprovalText}. */
export function shownRequest<T extends ApprovalRequestInput>(input: T): T {
  const out = { ...input, action: visibleApprovalText(input.action) };
  if (typeof input.reason === "string") out.reason = visibleApprovalText(input.reason);
  return out;
}

function sha256(text: string): string {
  return sha256Hex(text);
}

/** The digest a decision on a tool call binds to: SHA-256 of `canonicalJson({ tool, input })`. */
export function toolCallDigest(toolName: string, input: unknown): string {
  return sha256(canonicalJson({ tool: toolName, input: input ?? {} }));
}

/** The digest of a request given as text: its `digest` when set, else of action, reason, task. */
export function requestDigest(
  input: ApprovalRequestInput & { digest?: string | undefined },
): string {
  if (typeof input.digest === "string" && /^[0-9a-f]{64}$/.test(input.digest)) return input.digest;
  return sha256(
    canonicalJson({ action: input.action, reason: input.reason ?? "", taskId: input.taskId ?? "" }),
  );
}

const ACTION_PREFIX = (toolName: string) =>
  `run tool ${toolName.replace(/[^\x20-\x7e]/g, unicodeEscape)} with input `;

/**
 * The approval for one tool call: `action` shows the tool and its complete input (canonical
 * JSON with every invisible, bidirectional or line-separating character and every non-ASCII
 * character of a key shown as an escape), `digest` is what the decision binds to (the exact
 * input). Throws {@link ApprovalTooLongError} when the input is too long for a person to see whole
 * (nothing is cut): refuse the call and tell the model.
 */
export function toolCallApproval(
  toolName: string,
  input: unknown,
  options: { reason?: string | undefined; taskId?: string | undefined } = {},
): BoundApprovalRequest {
  const json = shownJson(input ?? {});
  const action = `${ACTION_PREFIX(toolName)}${json}`;
  if (action.length > MAX_APPROVAL_ACTION_CHARS) {
    const room = MAX_APPROVAL_ACTION_CHARS - ACTION_PREFIX(toolName).length;
    throw new ApprovalTooLongError(
      `the input of tool ${toolName.slice(0, 64)} is ${json.length} characters of JSON, more than the ${Math.max(room, 0)} a person can review in one approval; the call was not run: call it with a shorter input (split the work into smaller calls)`,
    );
  }
  return {
    action,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.taskId !== undefined ? { taskId: options.taskId } : {}),
    digest: toolCallDigest(toolName, input),
  };
}

/** A fresh request reference (16 hex characters): names the one request a decision answers. */
export function newReference(): string {
  return randomHex(8);
}

/** A reference derived from `parts` (same parts, same reference). */
function derivedReference(...parts: string[]): string {
  return sha256(JSON.stringify(parts)).slice(0, 16);
}

const REF_LINE = /(?:^|\n)\[approval ([0-9a-f]{16}) sha256:([0-9a-f]{64})\]$/;

/**
 * The reason sent to the platform: the caller's reason and a last line naming the request and its
 * digest (`[approval <ref> sha256:<digest>]`), shown to the person and kept on the row. Throws
 * {@link ApprovalTooLongError} when the whole would be cut by the platform's canvas.
 */
export function referencedReason(reason: string | undefined, ref: string, digest: string): string {
  const line = `[approval ${ref} sha256:${digest}]`;
  const text = reason === undefined || reason === "" ? line : `${reason}\n${line}`;
  if (text.length > MAX_APPROVAL_REASON_CHARS)
    throw new ApprovalTooLongError(
      `an approval's reason is at most ${MAX_APPROVAL_REASON_CHARS - line.length - 1} characters (the SDK adds a ${line.length}-character line naming the request and its digest); nothing was sent`,
    );
  return text;
}

/** The reference and digest of a row's reason written by {@link referencedReason}. */
export function readReference(reason: string): { ref: string; digest: string } | undefined {
  const m = REF_LINE.exec(reason);
  return m ? { ref: m[1]!, digest: m[2]! } : undefined;
}

/**
 * Opens the approval request named by `scope` and the request's digest (e.g. a LangGraph thread),
 * or, when one with exactly that text is still pending, returns it instead (a re-asked thread
 * opens no second request). A decided request is never returned: asking again after a decision
 * opens a new one.
 */
export async function openScopedApproval(
  client: {
    createApproval(
      input: ApprovalRequestInput & { signal?: AbortSignal | undefined },
    ): Promise<{ approvalId: string }>;
    listApprovals(options?: { signal?: AbortSignal }): Promise<ApprovalRecord[]>;
  },
  input: ApprovalRequestInput,
  scope: readonly string[],
  signal?: AbortSignal,
): Promise<{ approvalId: string; digest: string }> {
  const digest = requestDigest(input);
  input = shownRequest(input);
  approvalBody(input);
  const reason = referencedReason(input.reason, derivedReference(...scope, digest), digest);
  const rows = await client.listApprovals(signal ? { signal } : {});
  const pending = rows.find(
    (r) =>
      r.status === "pending" &&
      r.action === input.action &&
      r.reason === reason &&
      r.taskId === (input.taskId ?? ""),
  );
  if (pending !== undefined) return { approvalId: pending.id, digest };
  const created = await client.createApproval({
    action: input.action,
    reason,
    taskId: input.taskId,
    context: input.context,
    signal,
  });
  return { approvalId: created.approvalId, digest };
}
