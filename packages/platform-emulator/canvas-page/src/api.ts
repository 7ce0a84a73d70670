// Talking to the emulator: the admin token (asked once, kept in this tab's sessionStorage, sent
// only in the Authorization header of same-origin requests), the org snapshot, the live feed, and
// the canvas's actions.
import type { CanvasApproval, FeedFrame, OrgSnapshot } from "../../src/canvas/wire.js";

const KEY = "molecule-canvas-admin-token";

export function savedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** A refused admin token (401): the page asks for it again. */
export class Unauthorized extends Error {}

/**
 * The headers of every call: the admin token, and on a SaaS tenant the org id the snapshot named
 * (as the control plane's domain router adds it on a hosted tenant).
 */
let orgHeader: Record<string, string> = {};

function authHeaders(token: string): Record<string, string> {
  return { ...orgHeader, Authorization: `Bearer ${token}` };
}

/** One request to the emulator with the admin token; the parsed JSON body (or text). */
export async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { ...extra, ...authHeaders(token) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep the text
  }
  if (res.status === 401) throw new Unauthorized("the emulator refused the admin token");
  return { status: res.status, json };
}

/** One uploaded file as the platform answers it (`{files: [...]}` of `POST …/chat/uploads`). */
export interface UploadedFile {
  uri: string;
  name: string;
  mimeType: string;
  size: number;
}

/**
 * Uploads files as the platform's canvas does before it sends a message with them
 * (`canvas/src/components/tabs/chat/uploads.ts` at enteros-core@50c3bdfd): multipart field `files`.
 */
export async function uploadFiles(
  token: string,
  workspaceId: string,
  files: readonly File[],
): Promise<{ status: number; json: unknown }> {
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  const res = await fetch(`/workspaces/${workspaceId}/chat/uploads`, {
    method: "POST",
    headers: authHeaders(token),
    body: form,
    cache: "no-store",
    credentials: "omit",
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep the text
  }
  if (res.status === 401) throw new Unauthorized("the emulator refused the admin token");
  return { status: res.status, json };
}

export async function loadOrg(token: string): Promise<OrgSnapshot> {
  const r = await call(token, "GET", "/canvas/api/org");
  if (r.status !== 200) throw new Error(`loading the org failed: HTTP ${r.status}`);
  const snap = r.json as OrgSnapshot;
  orgHeader = snap.orgId !== undefined ? { "X-Molecule-Org-Id": snap.orgId } : {};
  return snap;
}

/** The pending approvals (the platform's expiry sweep runs first, as for `GET /approvals/pending`). */
export async function loadApprovals(token: string): Promise<CanvasApproval[]> {
  const r = await call(token, "GET", "/canvas/api/approvals");
  if (r.status !== 200) throw new Error(`loading the approvals failed: HTTP ${r.status}`);
  return (r.json as { approvals: CanvasApproval[] }).approvals;
}

/**
 * Reads the live feed until it ends or `signal` aborts, calling `onFrame` per frame. (`fetch`,
 * not `EventSource`, so the token travels in a header and never in the URL.)
 */
export async function follow(
  token: string,
  signal: AbortSignal,
  onFrame: (f: FeedFrame) => void,
): Promise<void> {
  const res = await fetch("/canvas/api/events", {
    headers: { Authorization: `Bearer ${token}` },
    signal,
    cache: "no-store",
    credentials: "omit",
  });
  if (res.status === 401) throw new Unauthorized("the emulator refused the admin token");
  if (!res.ok || res.body === null) throw new Error(`the live feed failed: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end: number;
    while ((end = buf.indexOf("\n\n")) !== -1) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      for (const line of block.split("\n"))
        if (line.startsWith("data: ")) onFrame(JSON.parse(line.slice(6)) as FeedFrame);
    }
  }
}
