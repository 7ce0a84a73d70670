// @molecule-ai/platform-emulator: a local Molecule AI platform for development, tests and examples.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { COMPATS, isAugust, isCompat, resolveContract } from "./contract.js";
import { EventSockets, isSocketUpgrade } from "./event-socket.js";
import { Platform } from "./platform.js";
import { requestHandler } from "./request-handler.js";
import { seedConcierge } from "./routes/workspaces.js";
import { Store, readSnapshot, writeSnapshot } from "./store.js";
import type { QueueRow } from "./store.js";
import type {
  Clock,
  Compat,
  CreateWorkspaceInput,
  CreatedWorkspaceWithToken,
  EmulatorAdmin,
  EmulatorOptions,
  FaultSpec,
} from "./types.js";
import { EmulatorError } from "./errors.js";
import { commitDelayOf } from "./late-commits.js";
import { isObject } from "./util.js";

export type {
  Clock,
  Compat,
  ConnectionBlock,
  CreateWorkspaceInput,
  CreatedWorkspace,
  CreatedWorkspaceWithToken,
  EmulatorAdmin,
  EmulatorOptions,
  FaultSpec,
  LateCommits,
} from "./types.js";
export { EmulatorError, type EmulatorErrorOptions } from "./errors.js";
export { wrapPeerResult } from "./platform.js";

/** A queued A2A item as the emulator sees it (`emu.queue(id)`). */
export interface QueuedItem {
  id: string;
  status: "queued" | "dispatched" | "completed" | "failed";
  attempts: number;
  messageId: string | null;
  callerId: string | null;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** The admin bearer (`ADMIN_TOKEN`). */
  readonly adminToken: string;
  /** The canvas page (`${url}/canvas/`; it asks for the admin token), or `undefined` with `ui: false`. */
  readonly canvasUrl: string | undefined;
  /** The contract being spoken. */
  readonly compat: Compat;
  /** The org this emulator is the SaaS tenant of (`orgId`), or `undefined` (no tenant guard). */
  readonly orgId: string | undefined;
  /** Admin helpers (real HTTP calls with the admin token). */
  readonly admin: EmulatorAdmin;
  /** Server-side activity rows of a workspace, oldest first, in the wire shape of the contract. */
  activity(id: string): Record<string, unknown>[];
  /** The A2A queue of a workspace (busy-target items). */
  queue(id: string): QueuedItem[];
  /** When the emulator accepted the workspace's last heartbeats (clock ms, oldest first, at most 1,000). */
  heartbeats(id: string): number[];
  /** Moves the emulator clock forward (liveness, rate-limit windows, timestamps) and runs the liveness sweep. */
  advanceClock(ms: number): void;
  /** The emulator's current time (ms since the epoch). */
  now(): number;
  /** Injects a fault into the next `count` matching requests; returns a function that removes it. */
  injectFault(fault: FaultSpec): () => void;
  /** Persists the state file now (no-op without `stateFile`). */
  flush(): Promise<void>;
  /**
   * A platform outage (or the first half of a restart): stops accepting connections and destroys
   * every open one (in-flight requests, SSE streams, `/ws` clients), so clients see `ECONNREFUSED`
   * (or a reset mid-request). The org's state is kept. Resolves once the port is closed;
   * idempotent. `listenAgain()` brings it back.
   */
  stopListening(): Promise<void>;
  /**
   * Listens again after `stopListening()`, on the same host and port (so `url` is unchanged),
   * with the same state: a restarted platform. No-op while listening. Rejects (code `listen_failed`)
   * when the port was taken meanwhile, or after `close()`.
   */
  listenAgain(): Promise<void>;
  /** Closes every socket and stream; idempotent. */
  close(): Promise<void>;
}

async function callApi(
  url: string,
  adminToken: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      Authorization: `Bearer ${adminToken}`,
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json };
}

function expectOk(r: { status: number; json: unknown }, what: string): void {
  if (r.status < 200 || r.status >= 300) {
    const msg =
      isObject(r.json) && typeof r.json["error"] === "string"
        ? r.json["error"]
        : JSON.stringify(r.json);
    throw new EmulatorError(
      `emulator admin ${what} failed: HTTP ${r.status} ${msg}: check the id and the admin token`,
      {
        code: "admin_call_failed",
        status: r.status,
        retryable: r.status >= 500 || r.status === 429,
      },
    );
  }
}

/** A header value as fetch sends it: the UTF-8 bytes of `v` as Latin-1 characters (Go reads bytes). */
function encodeHeader(v: string): string {
  return Buffer.from(v, "utf8").toString("latin1");
}

function makeAdmin(url: string, adminToken: string, orgId: string | undefined): EmulatorAdmin {
  // A tenant (`orgId`) routes only requests that name its org.
  const org: Record<string, string> = orgId !== undefined ? { "X-Molecule-Org-Id": orgId } : {};
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown }> =>
    callApi(url, adminToken, method, path, body, { ...org, ...headers });
  return {
    async createWorkspace(input: CreateWorkspaceInput): Promise<CreatedWorkspaceWithToken> {
      const body: Record<string, unknown> = {
        name: input.name,
        runtime: "external",
        external: true,
        ...input.extra,
      };
      if (input.role !== undefined) body["role"] = input.role;
      if (input.parentId !== undefined) body["parent_id"] = input.parentId;
      if (input.url !== undefined) body["url"] = input.url;
      if (input.tier !== undefined) body["tier"] = input.tier;
      if (input.deliveryMode !== undefined) body["delivery_mode"] = input.deliveryMode;
      const r = await call("POST", "/workspaces", body);
      expectOk(r, "createWorkspace");
      const raw = r.json as Record<string, unknown>;
      const connection = isObject(raw["connection"])
        ? (raw["connection"] as unknown as CreatedWorkspaceWithToken["connection"])
        : undefined;
      const token =
        connection !== undefined && connection.auth_token !== ""
          ? connection.auth_token
          : undefined;
      // Without a URL the platform always answers an external workspace's one-time token: its
      // absence is an error, so the result's type can say `token: string` (the overload without
      // `url`). Another runtime (`extra.runtime`) gets none: `createToken` mints one.
      if (body["url"] === undefined && body["runtime"] === "external" && token === undefined)
        throw new EmulatorError(
          "emulator admin createWorkspace: no token in the answer: create without `url` (and no `extra.url`) to get one",
          { code: "admin_call_failed", status: r.status, retryable: false },
        );
      return {
        id: String(raw["id"]),
        token: token as string,
        ...(connection !== undefined ? { connection } : {}),
        raw,
      };
    },
    async setSecrets(id, secrets) {
      for (const [key, value] of Object.entries(secrets)) {
        const path = `/workspaces/${id}/secrets`;
        const r = await call("POST", path, { key, value });
        expectOk(r, "setSecrets");
        // 2026-08 holds an admin secret write for a person's approval (202 pending_approval):
        // the helper approves it, as that person would, and writes again.
        const approvalId = isObject(r.json) ? r.json["approval_id"] : undefined;
        if (r.status === 202 && typeof approvalId === "string") {
          expectOk(
            await call("POST", `/workspaces/${id}/approvals/${approvalId}/decide`, {
              decision: "approved",
              decided_by: "emulator-admin",
            }),
            "setSecrets (approval)",
          );
          expectOk(await call("POST", path, { key, value }), "setSecrets");
        }
      }
    },
    // With its descendants, as the canvas asks (2026-08 refuses a workspace with children without).
    async pause(id) {
      expectOk(await call("POST", `/workspaces/${id}/pause?cascade=true`), "pause");
    },
    async resume(id) {
      expectOk(await call("POST", `/workspaces/${id}/resume?cascade=true`), "resume");
    },
    async deleteWorkspace(id, opts) {
      const q = opts?.purge === true ? "?confirm=true&purge=true" : "?confirm=true";
      // 2026-08 deletes only with the workspace's name in `X-Confirm-Name` (the others ignore it).
      const got = await call("GET", `/workspaces/${id}?include_removed=true`);
      const name = isObject(got.json) ? got.json["name"] : undefined;
      const confirm: Record<string, string> =
        typeof name === "string" ? { "X-Confirm-Name": encodeHeader(name) } : {};
      expectOk(
        await call("DELETE", `/workspaces/${id}${q}`, undefined, confirm),
        "deleteWorkspace",
      );
    },
    async getWorkspace(id) {
      const r = await call("GET", `/workspaces/${id}?include_removed=true`);
      expectOk(r, "getWorkspace");
      return r.json as Record<string, unknown>;
    },
    async listWorkspaces() {
      const r = await call("GET", "/workspaces");
      expectOk(r, "listWorkspaces");
      return r.json as Record<string, unknown>[];
    },
    async createToken(id) {
      const r = await call("POST", `/workspaces/${id}/tokens`);
      expectOk(r, "createToken");
      return String((r.json as Record<string, unknown>)["auth_token"]);
    },
  };
}

/**
 * Starts a local Molecule platform on `host:port` (default `127.0.0.1:0`).
 *
 * @example
 * const emu = await startEmulator();
 * const ws = await emu.admin.createWorkspace({ name: "researcher" });
 * // ... point a PlatformClient at emu.url with ws.id / ws.token ...
 * await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const compat: Compat = options.compat ?? "latest";
  if (!isCompat(compat))
    throw new EmulatorError(
      `compat must be one of ${COMPATS.join(", ")}, got ${JSON.stringify(compat)}`,
      { code: "invalid_argument" },
    );
  const store = new Store();
  const snap = options.stateFile !== undefined ? await readSnapshot(options.stateFile) : undefined;
  if (snap !== undefined) store.load(snap);
  const adminToken =
    options.adminToken ?? snap?.adminToken ?? randomBytes(24).toString("base64url");
  if (adminToken === "")
    throw new EmulatorError("adminToken must not be empty: omit it for a random one", {
      code: "invalid_argument",
    });
  const orgId = options.orgId?.trim();
  if (orgId === "")
    throw new EmulatorError("orgId must not be empty: omit it for a self-hosted platform", {
      code: "invalid_argument",
    });
  const commitDelay = commitDelayOf(options);
  const base: Clock = options.clock ?? { now: () => Date.now() };
  let offset = 0;
  const clock: Clock = { now: () => base.now() + offset };

  let dirty = false;
  let writing: Promise<void> | undefined;
  let writeTimer: NodeJS.Timeout | undefined;
  const stateFile = options.stateFile;
  const writeNow = async (): Promise<void> => {
    if (stateFile === undefined || !dirty) return;
    dirty = false;
    await writeSnapshot(stateFile, store.snapshot(adminToken));
  };
  // Writes are serialised: each flush chains after the previous one.
  const flush = (): Promise<void> => {
    const next = (writing ?? Promise.resolve()).then(writeNow, writeNow);
    writing = next.catch(() => undefined);
    return next;
  };
  const changed = (): void => {
    if (stateFile === undefined) return;
    dirty = true;
    if (writeTimer === undefined) {
      writeTimer = setTimeout(() => {
        writeTimer = undefined;
        void flush().catch(() => undefined);
      }, 200);
      writeTimer.unref();
    }
  };

  const platform = new Platform(
    {
      compat,
      adminToken,
      devMode: options.devMode ?? true,
      lenientAgentUrls: options.lenientAgentUrls ?? false,
      clock,
      pluginsDir: options.pluginsDir,
      rateLimit: options.rateLimit,
      livenessMs: options.livenessMs ?? 90_000,
      forwardTimeoutMs: options.forwardTimeoutMs ?? 300_000,
      sseKeepAliveMs: options.sseKeepAliveMs ?? (isAugust(resolveContract(compat)) ? 0 : 15_000),
      queueMaxAttempts: options.queueMaxAttempts ?? 5,
      delegationResultInboxPush: options.delegationResultInboxPush ?? false,
      memoryPlugin: options.memoryPlugin ?? true,
      ui: options.ui ?? true,
      a2aAlwaysAuth: options.a2aAlwaysAuth ?? false,
      orgId,
      offsec003Wrapping: options.offsec003Wrapping ?? false,
      commitDelay,
    },
    store,
    changed,
  );
  platform.statePersisted = stateFile !== undefined;
  if (platform.august) seedConcierge(platform);

  const server = http.createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 0, shouldUpgradeCallback: isSocketUpgrade },
    requestHandler(platform),
  );
  const eventSockets = new EventSockets(platform);
  server.on("upgrade", eventSockets.upgrade);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  const listen = (port: number, host: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(options.port ?? 0, options.host ?? "127.0.0.1");
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${addr.port}`;
  platform.baseUrl = url;

  const sweepEvery = Math.max(50, Math.min(15_000, Math.floor((options.livenessMs ?? 90_000) / 6)));
  const sweepTimer = setInterval(() => platform.sweep(), sweepEvery);
  sweepTimer.unref();

  let closing: Promise<void> | undefined;
  /** While stopped by `stopListening()`: the promise of the port being closed. */
  let stopped: Promise<void> | undefined;
  const emu: Emulator = {
    url,
    adminToken,
    canvasUrl: options.ui === false ? undefined : `${url}/canvas/`,
    compat,
    orgId,
    admin: makeAdmin(url, adminToken, orgId),
    activity(id) {
      return (store.activity.get(id) ?? []).map((r) => platform.activityJson(r));
    },
    heartbeats(id) {
      return [...(platform.heartbeatLog.get(id.toLowerCase()) ?? [])];
    },
    queue(id) {
      return platform.queueOf(id).map((q: QueueRow) => ({
        id: q.id,
        status: q.status,
        attempts: q.attempts,
        messageId: q.idempotencyKey,
        callerId: q.callerId,
      }));
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new EmulatorError(
          `advanceClock(ms) needs a non-negative number of milliseconds, got ${ms}`,
          { code: "invalid_argument" },
        );
      offset += ms;
      platform.sweep();
    },
    now: () => clock.now(),
    injectFault(fault) {
      if (fault.path === undefined)
        throw new EmulatorError(
          'injectFault needs a path: a pathname, a pattern such as "/workspaces/:id/a2a", or a RegExp',
          { code: "invalid_argument" },
        );
      const spec = { ...fault };
      let matcher: (p: string) => boolean;
      if (spec.path instanceof RegExp) {
        const re = spec.path;
        matcher = (p) => {
          re.lastIndex = 0;
          return re.test(p);
        };
      } else if (!spec.path.includes(":") && !spec.path.includes("*")) {
        const exact = spec.path;
        matcher = (p) => p === exact;
      } else {
        const re = new RegExp(
          `^${spec.path
            .split("/")
            .map((s) =>
              s === "*"
                ? ".*"
                : s.startsWith(":")
                  ? "[^/]+"
                  : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
            )
            .join("/")}$`,
        );
        matcher = (p) => re.test(p);
      }
      const entry = { spec, matcher, remaining: spec.count ?? 1 };
      platform.faults.push(entry);
      return () => {
        const i = platform.faults.indexOf(entry);
        if (i >= 0) platform.faults.splice(i, 1);
      };
    },
    flush,
    stopListening() {
      if (closing !== undefined) return closing;
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const sock of sockets) sock.destroy();
      });
      return stopped;
    },
    async listenAgain() {
      if (closing !== undefined)
        throw new EmulatorError("listenAgain after close(): start a new emulator", {
          code: "listen_failed",
        });
      if (stopped === undefined) return;
      await stopped;
      try {
        await listen(addr.port, addr.address);
      } catch (err) {
        throw new EmulatorError(
          `listenAgain could not listen on ${url} again (${(err as Error).message}): the port was taken meanwhile`,
          { code: "listen_failed", retryable: true, cause: err },
        );
      }
      stopped = undefined;
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweepTimer);
        const closed = new Promise<void>((r) => server.close(() => r()));
        platform.commitAll();
        platform.events.closeStreams();
        eventSockets.close();
        server.closeIdleConnections();
        await platform.shutdown();
        for (const s of sockets) s.destroy();
        await closed;
        if (writeTimer !== undefined) clearTimeout(writeTimer);
        writeTimer = undefined;
        await flush();
      })();
      return closing;
    },
  };
  return emu;
}
