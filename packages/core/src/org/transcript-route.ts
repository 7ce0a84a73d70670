// The route of an agent's transcript (transcript.ts says who may read it and why): the `node:http`
// handler of `GET /transcript` and what a push agent's built-in server needs to serve it. Loaded
// with the module that uses it (`@molecule-ai/agent-core/org`, or a push agent that keeps a
// transcript, on its start), not by every agent (issue 93).
import { sha256Hex, utf8Length } from "../runtime/index.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { closeUnread, type AgentCard } from "../a2a/index.js";
import {
  describe,
  MoleculeOptionError,
  requestPlatformUrl,
  type Logger,
} from "../transport/index.js";
import type { TranscriptLog } from "./transcript-log.js";
import { BearerCheckBudget } from "./transcript-budget.js";

/** What the transcript check needs: the platform URL and this workspace's id. */
export interface TranscriptHandlerOptions {
  platformUrl: string;
  workspaceId: string;
  log: TranscriptLog;
  /** How long a bearer's check is reused (default 30 000 ms; refusals 5 000 ms). */
  cacheMs?: number;
  /**
   * Platform checks of bearers not in the cache, at most, in any 60 s (default 30): that many for
   * requests from the platform's own addresses (what `platformUrl` resolves to: the canvas reads
   * it relays), that many for all other addresses together, and a third of it for any one of
   * them. Past its budget a request with an unknown bearer is answered `429` with `Retry-After`,
   * without calling the platform; the agent's own token and cached bearers are served as before.
   */
  verifyPerMinute?: number;
  /**
   * Whether a bearer is the agent's own token (compared in constant time; `RemoteAgent` passes
   * its client's `isOwnToken`): served at once, without a platform check or any budget, so no
   * flood can lock the owner out.
   */
  isOwnToken?: (bearer: string) => boolean;
  /** Checks a bearer against the platform (default: a WorkspaceAuth read of this workspace). */
  verify?: (bearer: string, signal: AbortSignal) => Promise<boolean>;
  logger?: Logger;
}

/** Writes a JSON answer that no cache keeps; a refusal closes the connection, its body unread. */
function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  closeUnread(req, res, status >= 400);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": utf8Length(data),
    "Cache-Control": "no-store",
  });
  res.end(data);
}

/** The most accepted bearers cached at once (refused ones have their own map: they cannot evict these). */
const MAX_CACHED = 256;
/** The most refused bearers cached at once. */
const MAX_REFUSED = 1024;
/** The most platform checks of bearers running at once (more get `503`). */
const MAX_CHECKING = 8;

/**
 * A `node:http` handler for `GET /transcript?since=&limit=`; returns `false` (and writes nothing)
 * for any other request, so it can sit in front of another handler. Answers the reference
 * runtime's shape `{runtime, supported, lines, cursor, more, source}`; `400` when `since`/`limit`
 * are not integers; `401` unless the bearer is the agent's own token (`isOwnToken`) or the platform
 * accepts it for this workspace; `503` while 8 checks of other bearers are running; `429` (with
 * `Retry-After`) for a bearer not in the cache once the budget of its address is spent (see
 * `verifyPerMinute`). A refusal closes the connection without reading a request body.
 */
export function createTranscriptHandler(
  options: TranscriptHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const okMs = options.cacheMs ?? 30_000;
  const perMinute = options.verifyPerMinute ?? 30;
  if (!Number.isInteger(perMinute) || perMinute < 1)
    throw new MoleculeOptionError(
      "verifyPerMinute",
      `createTranscriptHandler: verifyPerMinute must be a positive integer (got ${perMinute}).`,
    );
  // sha-256 of the bearer -> valid until (an expired entry stays, as a bearer accepted before)
  const accepted = new Map<string, number>();
  const refused = new Map<string, number>();
  const budget = new BearerCheckBudget(perMinute, options.platformUrl);
  const base = options.platformUrl.replace(/\/+$/, "");
  const verify =
    options.verify ??
    (async (bearer: string, signal: AbortSignal): Promise<boolean> => {
      // Any WorkspaceAuth route of this workspace answers 401 for a bearer it does not accept.
      const url = `${base}/workspaces/${encodeURIComponent(options.workspaceId)}/memories?namespace=transcript-auth-check&limit=1`;
      // The SDK's own path to the platform (its pool and proxy), not the runtime's global fetch.
      const r = await requestPlatformUrl(url, {
        headers: { authorization: `Bearer ${bearer}` },
        signal,
        timeoutMs: 10_000,
      });
      // What is in front of the platform answered (a sign-in page): nothing said of the bearer.
      if (r.path !== undefined) throw new Error(`${r.path.cause} answered ${r.path.detail}`);
      return r.status >= 200 && r.status < 300;
    });

  const check = async (key: string, bearer: string): Promise<boolean> => {
    let ok = false;
    try {
      ok = await verify(bearer, AbortSignal.timeout(10_000));
    } catch (err) {
      // Fail closed, and do not cache a failed check. The bearer is not in the log line.
      options.logger?.warn?.("transcript: the platform check of a bearer failed", {
        error: describe(err),
      });
      return false;
    }
    if (!ok) accepted.delete(key);
    const map = ok ? accepted : refused;
    if (map.size >= (ok ? MAX_CACHED : MAX_REFUSED)) map.delete(map.keys().next().value as string);
    map.set(key, performance.now() + (ok ? okMs : Math.min(okMs, 5_000))); // monotonic expiry
    return ok;
  };
  // One platform check per bearer at a time, and a few at most: unknown bearers cannot make this
  // agent call the platform without bound.
  const checking = new Map<string, Promise<boolean>>();
  const isAccepted = async (
    bearer: string,
    address: string | undefined,
  ): Promise<boolean | "busy" | { retryAfter: number }> => {
    if (options.isOwnToken?.(bearer) === true) return true; // the owner: no check, no budget
    await budget.ready; // the platform's addresses (resolved once)
    const key = sha256Hex(bearer);
    const now = performance.now();
    const known = accepted.get(key);
    if (known !== undefined && known > now) return true;
    if ((refused.get(key) ?? 0) > now) return false;
    let running = checking.get(key);
    if (running === undefined) {
      if (checking.size >= MAX_CHECKING) return "busy";
      // A bearer the platform accepted before is checked again outside the budget: a flood of
      // unknown bearers cannot lock the canvas out (only real tokens ever enter `accepted`).
      const retryAfter = known === undefined ? budget.spend(address) : undefined;
      if (retryAfter !== undefined) return { retryAfter };
      running = check(key, bearer).finally(() => checking.delete(key));
      checking.set(key, running);
    }
    return await running;
  };
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/transcript") return false;
    if (req.method !== "GET") {
      send(req, res, 405, { error: "method not allowed" });
      return true;
    }
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    const ok =
      bearer === "" || bearer.length > 4096
        ? false
        : await isAccepted(bearer, req.socket?.remoteAddress);
    if (ok === "busy") {
      res.setHeader("Retry-After", "1");
      send(req, res, 503, { error: "busy: try again" });
      return true;
    }
    if (typeof ok === "object") {
      res.setHeader("Retry-After", String(ok.retryAfter));
      send(req, res, 429, { error: "too many unknown bearers: try again later" });
      return true;
    }
    if (!ok) {
      send(req, res, 401, { error: "unauthorized" });
      return true;
    }
    const int = (k: string, def: number): number | undefined => {
      const v = url.searchParams.get(k);
      if (v === null || v === "") return def;
      return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
    };
    const since = int("since", 0);
    const limit = int("limit", 100);
    if (since === undefined || limit === undefined) {
      send(req, res, 400, { error: "since and limit must be integers" });
      return true;
    }
    const page = options.log.page(since, Math.min(limit, 500));
    send(req, res, 200, { runtime: "molecule-ts", supported: true, source: null, ...page });
    return true;
  };
}

/** The transcript of a push agent's built-in server: its route, and the card advertising it. */
export interface PushTranscript {
  route: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  card: (card: AgentCard, pushUrl: string) => AgentCard;
}

/**
 * What an agent's built-in push server needs to serve its transcript (the `transcript` option of
 * `RemoteAgent`): the `/transcript` route, and the card to register, whose `url` is the server's
 * origin (the platform asks `<origin of agent_card.url>/transcript`; the push path's secret never
 * goes in the card). A card that already has a `url` is kept.
 */
export function pushTranscript(options: TranscriptHandlerOptions): PushTranscript {
  return {
    route: createTranscriptHandler(options),
    card: (card, pushUrl) =>
      card.url === undefined ? { ...card, url: `${new URL(pushUrl).origin}/` } : card,
  };
}
