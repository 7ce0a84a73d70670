// The canvas user's side of chat files, over real HTTP, as the canvas does it
// (enteros-core@50c3bdfd `canvas/src/components/tabs/chat/uploads.ts` and `ChatTab.tsx` 705-787):
// upload the files (multipart field `files`, the admin bearer the canvas is built with), then send
// one `message/send` through the workspace's A2A proxy route with a text part and one file part per
// uploaded file; and download a file an agent attached to a notification (`resolveAttachmentHref`).

/** A file the canvas user picks. */
export interface CanvasFile {
  name: string;
  data: Uint8Array | string;
  /** The browser's `File.type` (default `application/octet-stream`, as a browser sends it). */
  type?: string;
}

/** What the platform answered an upload: its status and JSON body. */
export interface CanvasUpload {
  status: number;
  json: { files?: { uri: string; name: string; mimeType: string; size: number }[]; error?: string };
}

/** `POST /workspaces/:id/chat/uploads` as the canvas sends it. */
export async function canvasUpload(
  platformUrl: string,
  adminToken: string,
  workspaceId: string,
  files: readonly CanvasFile[],
): Promise<CanvasUpload> {
  const form = new FormData();
  for (const f of files)
    form.append("files", new Blob([f.data as BlobPart], { type: f.type ?? "" }), f.name);
  const res = await fetch(`${platformUrl}/workspaces/${workspaceId}/chat/uploads`, {
    method: "POST",
    headers: { Authorization: `Bearer ${adminToken}` },
    body: form,
  });
  const text = await res.text();
  let json: CanvasUpload["json"] = {};
  try {
    json = JSON.parse(text) as CanvasUpload["json"];
  } catch {
    json = { error: text };
  }
  return { status: res.status, json };
}

/**
 * The canvas's chat message: a text part, then one file part per uploaded file. `adminToken` is the
 * bearer the canvas sends; the August-2026 platform refuses the route without it (401), the May
 * one took none.
 */
export async function canvasSend(
  platformUrl: string,
  workspaceId: string,
  text: string,
  uploaded: readonly { uri: string; name: string; mimeType: string; size: number }[],
  { messageId = crypto.randomUUID(), adminToken }: { messageId?: string; adminToken?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const parts: unknown[] = [];
  if (text) parts.push({ kind: "text", text });
  for (const a of uploaded)
    parts.push({
      kind: "file",
      file: { name: a.name, mimeType: a.mimeType, uri: a.uri, size: a.size },
    });
  const res = await fetch(`${platformUrl}/workspaces/${workspaceId}/a2a`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(adminToken === undefined ? {} : { Authorization: `Bearer ${adminToken}` }),
    },
    body: JSON.stringify({
      method: "message/send",
      params: { message: { role: "user", messageId, parts }, metadata: { history: [] } },
    }),
  });
  const body = await res.text();
  let json: unknown = body;
  try {
    json = JSON.parse(body);
  } catch {
    // not JSON
  }
  return { status: res.status, json };
}

/**
 * Uploads `files` and sends `text` with them, as one canvas user action; throws when the upload or
 * the send is refused (a status that is not 2xx).
 */
export async function canvasSendFiles(
  platformUrl: string,
  adminToken: string,
  workspaceId: string,
  text: string,
  files: readonly CanvasFile[],
): Promise<{ uploaded: NonNullable<CanvasUpload["json"]["files"]>; answer: unknown }> {
  const up = await canvasUpload(platformUrl, adminToken, workspaceId, files);
  if (up.status !== 200 || !up.json.files)
    throw new Error(`canvas upload refused: ${up.status} ${JSON.stringify(up.json)}`);
  const sent = await canvasSend(platformUrl, workspaceId, text, up.json.files, { adminToken });
  if (sent.status < 200 || sent.status > 299)
    throw new Error(`canvas send refused: ${sent.status} ${JSON.stringify(sent.json)}`);
  return { uploaded: up.json.files, answer: sent.json };
}

/**
 * Downloads an attachment as the canvas does: a `platform-pending:<ws>/<id>` URI from the pending
 * upload's content route, any other workspace path through `/chat/download?path=`.
 */
export async function canvasDownload(
  platformUrl: string,
  adminToken: string,
  workspaceId: string,
  uri: string,
): Promise<{ status: number; bytes: Uint8Array; type: string | null }> {
  let url: string;
  if (uri.startsWith("platform-pending:")) {
    const [ws, fileId] = uri.slice("platform-pending:".length).split("/");
    url = `${platformUrl}/workspaces/${ws}/pending-uploads/${fileId}/content`;
  } else {
    const path = uri.startsWith("workspace:") ? uri.slice("workspace:".length) : uri;
    url = `${platformUrl}/workspaces/${workspaceId}/chat/download?path=${encodeURIComponent(path)}`;
  }
  const res = await fetch(url, { headers: { Authorization: `Bearer ${adminToken}` } });
  return {
    status: res.status,
    bytes: new Uint8Array(await res.arrayBuffer()),
    type: res.headers.get("content-type"),
  };
}
