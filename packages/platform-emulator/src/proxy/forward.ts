// Forwarding one A2A envelope to an agent URL over HTTP, with the idle timeout and forward faults.
import http from "node:http";
import https from "node:https";
import { findFault } from "../faults.js";
import type { Platform } from "../platform.js";
import type { WorkspaceRow } from "../store.js";

const A2A_MAX_RESPONSE = 10 << 20;

/** How one forward to an agent ended. */
export interface ForwardOutcome {
  kind: "ok" | "agent-error" | "busy" | "unreachable" | "read-failed" | "unsafe";
  status?: number;
  body?: Buffer;
  error?: string;
  durationMs: number;
}

/**
 * POSTs one envelope to the target's URL (with `Authorization: Bearer <bearer>` when given); a
 * heartbeat of the target resets the idle timeout.
 *
 * A pooled connection the agent's server closes as it sits idle can be reused at the very moment
 * the close arrives: the request then fails (`ECONNRESET`, `socket hang up`) before any byte of an
 * answer. Such a forward is sent once more on a fresh connection: the server never read it (and
 * agents de-duplicate A2A sends by `messageId` anyway).
 */
export async function forward(
  platform: Platform,
  target: WorkspaceRow,
  env: Record<string, unknown>,
  bearer?: string,
): Promise<ForwardOutcome> {
  const started = Date.now();
  const url = target.url;
  const fault =
    platform.faults.length > 0
      ? findFault(platform, "POST", `/workspaces/${target.id}/a2a`, "forward")
      : undefined;
  if (!(await platform.checkAgentUrl(url, "dispatch"))) return { kind: "unsafe", durationMs: 0 };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { kind: "unsafe", durationMs: 0 };
  }
  const payload = Buffer.from(JSON.stringify(env));
  return new Promise<ForwardOutcome>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const set = platform.inflight.get(target.id) ?? new Set<() => void>();
    platform.inflight.set(target.id, set);
    const finish = (o: Omit<ForwardOutcome, "durationMs">): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      set.delete(touch);
      if (set.size === 0) platform.inflight.delete(target.id);
      resolve({ ...o, durationMs: Date.now() - started });
    };
    const touch = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        req.destroy();
        finish({ kind: "busy", error: "context deadline exceeded (idle timeout)" });
      }, platform.s.forwardTimeoutMs);
      timer.unref?.();
    };
    set.add(touch);
    const mod = u.protocol === "https:" ? https : http;
    const pooled = u.protocol === "https:" ? platform.httpsAgent : platform.httpAgent;
    let req: http.ClientRequest;
    let retried = false;
    let answered = false;
    const open = (agent: http.Agent | false): void => {
      req = mod.request(u, {
        method: "POST",
        agent,
        headers: {
          "Content-Type": "application/json",
          "Content-Length": payload.length,
          ...(bearer !== undefined ? { Authorization: `Bearer ${bearer}` } : {}),
        },
      });
      req.on("error", onError);
      req.on("response", onResponse);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      if (settled) return;
      // The reused connection was being closed by the server: once more, on a fresh one.
      if (req.reusedSocket && !answered && !retried && fault === undefined) {
        retried = true;
        open(false);
        req.end(payload);
        return;
      }
      const code = err.code ?? "";
      if (
        code === "ECONNRESET" ||
        code === "EPIPE" ||
        code === "ECONNABORTED" ||
        /socket hang up|EOF/i.test(err.message)
      )
        finish({ kind: "busy", error: err.message || code });
      else finish({ kind: "unreachable", error: code || err.message });
    };
    const onResponse = (res: http.IncomingMessage): void => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size >= A2A_MAX_RESPONSE) return;
        const room = A2A_MAX_RESPONSE - size;
        chunks.push(c.length > room ? c.subarray(0, room) : c);
        size += Math.min(c.length, room);
      });
      res.on("error", (err) => finish({ kind: "read-failed", error: err.message }));
      res.on("aborted", () => finish({ kind: "read-failed", error: "response aborted" }));
      res.on("end", () => {
        const status = res.statusCode ?? 502;
        const body = Buffer.concat(chunks);
        finish({ kind: status >= 300 ? "agent-error" : "ok", status, body });
      });
    };
    open(pooled);
    touch();
    const send = (): void => {
      if (fault?.reset === true) {
        req.destroy();
        finish({ kind: "busy", error: "connection reset by peer" });
        return;
      }
      if (fault?.status !== undefined) {
        req.destroy();
        const b = fault.body ?? { error: "injected fault" };
        finish({
          kind: fault.status >= 300 ? "agent-error" : "ok",
          status: fault.status,
          body: Buffer.from(typeof b === "string" ? b : JSON.stringify(b)),
        });
        return;
      }
      req.end(payload);
    };
    if (fault?.delayMs !== undefined && fault.delayMs > 0) {
      const t = setTimeout(send, fault.delayMs);
      t.unref?.();
    } else send();
  });
}
