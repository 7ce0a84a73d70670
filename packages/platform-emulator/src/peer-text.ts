// Reading and wrapping the text of A2A payloads: OFFSEC-003 boundary markers (the
// `offsec003Wrapping` opt-in), delegation result text, inbound envelope text.
import { isObject } from "./util.js";

export const BOUNDARY_START = "[A2A_RESULT_FROM_PEER]";
export const BOUNDARY_END = "[/A2A_RESULT_FROM_PEER]";

/**
 * Wraps every text part of a peer's JSON-RPC result in OFFSEC-003 markers: the `offsec003Wrapping`
 * opt-in only. It models the seed documents' description of OFFSEC-003, which was the May-2026
 * in-container Python runtime (`workspace/_sanitize_a2a.py`, a2050996, wrapping results that
 * runtime showed its own model), never a platform server: no server wraps a peer's answer.
 */
export function wrapPeerResult(body: unknown): boolean {
  if (!isObject(body)) return false;
  const result = body["result"];
  let changed = false;
  const wrapParts = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const p of parts) {
      if (!isObject(p) || typeof p["text"] !== "string") continue;
      const k = p["kind"] ?? p["type"];
      if (k !== undefined && k !== "text") continue;
      p["text"] = `${BOUNDARY_START}\n${p["text"]}\n${BOUNDARY_END}`;
      changed = true;
    }
  };
  const wrapMessage = (m: unknown): void => {
    if (isObject(m)) wrapParts(m["parts"]);
  };
  const wrapTask = (t: unknown): void => {
    if (!isObject(t)) return;
    if (Array.isArray(t["artifacts"]))
      for (const a of t["artifacts"]) if (isObject(a)) wrapParts(a["parts"]);
    if (isObject(t["status"])) wrapMessage(t["status"]["message"]);
  };
  if (typeof result === "string") {
    body["result"] = `${BOUNDARY_START}\n${result}\n${BOUNDARY_END}`;
    return true;
  }
  if (!isObject(result)) return false;
  if (result["kind"] === "task" || Array.isArray(result["artifacts"]) || isObject(result["status"]))
    wrapTask(result);
  if (Array.isArray(result["parts"])) wrapParts(result["parts"]);
  if (isObject(result["message"])) wrapMessage(result["message"]);
  if (isObject(result["task"])) wrapTask(result["task"]);
  return changed;
}

/** Text of a JSON-RPC result (for delegation results): `kind:"text"` parts of result/artifacts. */
export function resultText(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body["result"])) return undefined;
  const r = body["result"];
  const texts: string[] = [];
  const take = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const p of parts)
      if (isObject(p) && p["kind"] === "text" && typeof p["text"] === "string")
        texts.push(p["text"]);
  };
  take(r["parts"]);
  if (Array.isArray(r["artifacts"]))
    for (const a of r["artifacts"]) if (isObject(a)) take(a["parts"]);
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/** Text of an inbound A2A envelope: params.message.parts, params.parts, parts (kind|type text). */
export function envelopeText(env: unknown): string {
  if (!isObject(env)) return "";
  const params = isObject(env["params"]) ? env["params"] : undefined;
  const msg = params !== undefined && isObject(params["message"]) ? params["message"] : undefined;
  const parts = msg?.["parts"] ?? params?.["parts"] ?? env["parts"];
  if (!Array.isArray(parts)) return "";
  let out = "";
  for (const p of parts)
    if (
      isObject(p) &&
      (p["kind"] === "text" || p["type"] === "text") &&
      typeof p["text"] === "string"
    )
      out += p["text"];
  return out;
}
