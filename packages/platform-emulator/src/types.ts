// Public option and helper types of the emulator.

/** Which platform contract the emulator speaks. */
export type Compat = "latest" | "2026-04" | "2026-05" | "2026-08";

/** A clock the emulator reads for liveness, rate-limit windows and timestamps. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /**
   * Platform contract: `"latest"` (default: the August-2026 server, real-server-2026-08.json, also
   * `"2026-08"`), the April-2026 baseline `"2026-04"`, or the May-2026 server `"2026-05"`
   * (platform-api.md §8).
   */
  compat?: Compat;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind. Default `0` (a free port). */
  port?: number;
  /** The admin bearer (`ADMIN_TOKEN`). Default: random (or the one kept in `stateFile`). */
  adminToken?: string;
  /**
   * The real server's `MOLECULE_ENV=development`: the A2A proxy may dispatch to loopback and
   * private agent URLs (registered as `http://localhost:...`), and the rate limiter is off unless
   * `rateLimit` is set. Register is unaffected. Default `true`. `false` = production, as hosted
   * users run the platform: a call to a workspace at a loopback URL answers the sender
   * `502 {"error":"workspace URL is not publicly routable"}`, and requests are limited (600 a
   * minute per caller unless `rateLimit` says otherwise).
   */
  devMode?: boolean;
  /**
   * Run as a SaaS tenant of this org (the server's `MOLECULE_ORG_ID`, `middleware/tenant_guard.go`
   * at aeec8e47): every request except `/health`, `/buildinfo`, `/metrics`, `/registry/register`,
   * `/registry/heartbeat` (exact) and `/cp/*` must carry `X-Molecule-Org-Id` equal to it. Missing
   * answers `400 {"error":"missing tenant routing header","code":"TENANT_ORG_HEADER_REQUIRED",…}`,
   * another org's id a bare `404` with an empty body. Also let through: a same-origin request
   * (`Origin`/`Referer` = `http(s)://<Host>`, the tenant image's canvas), a legacy
   * `Fly-Replay-Src: …;state=<org>`, and the emulator's own canvas page. `emu.admin` sends the
   * header. Default: unset, no guard (self-hosted, as every recording was made).
   */
  orgId?: string;
  /**
   * Wrap every text part of a peer's answer, as the A2A proxy returns it to the caller (and the
   * text of a `delegate_result` row), in `[A2A_RESULT_FROM_PEER]` … `[/A2A_RESULT_FROM_PEER]`.
   * This models the seed documents' description of OFFSEC-003, which was in fact the May-2026
   * in-container Python runtime (`workspace/_sanitize_a2a.py`, wrapping results it showed its own
   * model), not any platform server: no server code ever wrapped a peer's answer (April 7cf77f27,
   * May 50c3bdfd, August aeec8e47). For tests of an SDK's marker stripping. Default `false`: peer
   * answers pass through unchanged, in every contract.
   */
  offsec003Wrapping?: boolean;
  /**
   * Opt-in leniency the real server does not have: register also accepts loopback and private
   * agent URLs, IP literals included (`http://127.0.0.1:...`). Default `false`: register refuses
   * them with `400 {"error":"invalid request body"}`, as the real server does in every mode.
   */
  lenientAgentUrls?: boolean;
  /** Base clock. `emu.advanceClock(ms)` adds an offset on top of it. Default: `Date.now`. */
  clock?: Clock;
  /** Directory of local plugins (`<pluginsDir>/<name>/plugin.yaml`, ...). */
  pluginsDir?: string;
  /** JSON file persisting workspaces, tokens, secrets, activity, queue, org memories and approval requests (atomic writes). */
  stateFile?: string;
  /**
   * Requests per minute per caller, as the server's `RATE_LIMIT` (`middleware/ratelimit.go` at
   * aeec8e47): the caller is the `X-Molecule-Org-Id` header when present (one bucket for a whole
   * org), else the bearer, else the client IP; a fixed window from the caller's first request;
   * every answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`; over it,
   * `429 {"error":"rate limit exceeded","retry_after":N}` with `Retry-After: N`. The server limits
   * only outside development mode: default unlimited (`X-RateLimit-Limit: unlimited`) with
   * `devMode` (the default), 600 with `devMode: false`. Set, it applies in both modes.
   */
  rateLimit?: number;
  /** A workspace is marked offline after this long without a heartbeat. Default 90_000. */
  livenessMs?: number;
  /** Idle timeout of an A2A forward (reset by the target's heartbeats). Default 300_000. */
  forwardTimeoutMs?: number;
  /**
   * Interval of `: ping` comments on SSE streams; 0: only the one `: ping` when a stream opens,
   * then events alone, as every server writes (`sse.go` `StreamEvents`). Default 0 with the
   * August contract (`latest`), 15_000 with `2026-04` and `2026-05`.
   */
  sseKeepAliveMs?: number;
  /** Maximum A2A queue dispatch attempts before an item is `failed`. Default 5. */
  queueMaxAttempts?: number;
  /**
   * `"2026-05"` and later (`"latest"` too): the server's `DELEGATION_RESULT_INBOX_PUSH=1` (RFC #2829): a delegation that
   * completes or fails also writes an `a2a_receive` row with method `delegate_result` into the
   * delegating workspace's own activity (its `source_id` is that workspace). Default `false`, as
   * on the platform.
   */
  delegationResultInboxPush?: boolean;
  /** `"2026-08"`: `false` = a server without the memory v2 sidecar: every memory route answers 503. Default `true`. */
  memoryPlugin?: boolean;
  /**
   * `"2026-08"` only: the server's `MOLECULE_A2A_ALWAYS_AUTH`: a push to an IP-literal agent URL
   * (`http://127.0.0.1:...`) also carries `Authorization: Bearer <platform_inbound_secret>`, as one
   * to a host name (`http://localhost:...`) always does. Default `false`, as on the platform.
   */
  a2aAlwaysAuth?: boolean;
  /**
   * Serve the canvas page at `/canvas/` (and redirect `/` to it): the live org, its traffic and
   * conversations. Its API answers only with the admin token. Default `true`; `false` = `--no-ui`.
   */
  ui?: boolean;
  /**
   * Opt-in, per row: when an activity row commits, as the server's concurrent writes do. A row's
   * `created_at` and `seq` are fixed when it is written; until it commits no reader sees it (every
   * `GET …/activity`, `emu.activity`, the canvas) and its `ACTIVITY_LOGGED` event is not sent, so
   * rows can become visible out of `(created_at, seq)` order (a `since_id` cursor that moved past a
   * later row never sees an earlier one that commits after). Called with the row in the wire shape
   * of the contract; answer a delay in milliseconds (`0`: at once), or a promise: the row commits
   * when it settles (hold and release rows deterministically). A `POST …/activity` or `…/notify`
   * answers once its row committed. Default: every row commits at once.
   */
  commitDelay?: (row: Record<string, unknown>) => number | PromiseLike<unknown>;
  /**
   * Opt-in random late commits for burst tests (the same model as `commitDelay`, which it may not
   * be combined with): each row, with `probability` (default 1), commits after a random delay of
   * 1 to `maxDelayMs` milliseconds, drawn from a generator seeded with `seed` (default random), so
   * a seed replays the same delays for the same sequence of writes. CLI: `--late-commits`.
   */
  lateCommits?: LateCommits;
}

/** Random late commits of activity rows (`EmulatorOptions.lateCommits`). */
export interface LateCommits {
  /** The longest delay of a row's commit, in milliseconds (a positive integer). */
  maxDelayMs: number;
  /** The share of rows that commit late, from 0 to 1. Default 1 (every row). */
  probability?: number;
  /** Seeds the delays (an integer). Default: random. */
  seed?: number;
}

/** A fault to inject into the next matching requests (see `emu.injectFault`). */
export interface FaultSpec {
  /** HTTP method to match (default: any). */
  method?: string;
  /**
   * Path to match: a RegExp tested against the pathname, or a string that is either an exact
   * pathname or a route pattern with `:param` segments and `*` wildcards
   * (e.g. `"/workspaces/:id/a2a"`, `"/registry/*"`).
   */
  path: string | RegExp;
  /** Match only requests whose query string carries this parameter (e.g. `"since_id"`). */
  queryParam?: string;
  /**
   * `"request"` (default): the fault applies to the incoming request before it is handled.
   * `"forward"`: the fault applies to the A2A proxy's forward to the agent of the matched
   * `/workspaces/<id>/a2a` path (a `reset` or a `delayMs` beyond the forward timeout makes the
   * target "busy", so the call is queued with `202`).
   */
  stage?: "request" | "forward";
  /** Respond with this status (with `body`, default `{"error":"injected fault"}`). */
  status?: number;
  /** Body of the injected response (JSON-encoded unless a string). */
  body?: unknown;
  /** Extra headers of the injected response. */
  headers?: Record<string, string>;
  /** Delay before responding (or before handling normally when no status/reset is given). */
  delayMs?: number;
  /** Destroy the connection instead of responding. */
  reset?: boolean;
  /** How many matching requests get the fault. Default 1. */
  count?: number;
}

/** A fault waiting for its next `remaining` matching requests (internal: not exported by the package). */
export interface ActiveFault {
  spec: FaultSpec;
  matcher: (path: string) => boolean;
  remaining: number;
}

/** Input of `emu.admin.createWorkspace`. */
export interface CreateWorkspaceInput {
  name: string;
  role?: string;
  parentId?: string;
  url?: string;
  tier?: number;
  /**
   * `delivery_mode`: the server's default is push (workspace.go 790-800 at aeec8e47), so on
   * 2026-08 calls to a workspace without a URL wait in the platform's queue (`202 {queued}`) until
   * a heartbeat after its agent registers drains them (older contracts refuse them `503`);
   * `"poll"` stores them for the agent from the start. The 2026-04 server, which has no such
   * field, ignores it.
   */
  deliveryMode?: "push" | "poll";
  /** Extra fields sent as-is in the `POST /workspaces` body. */
  extra?: Record<string, unknown>;
}

/**
 * The `connection` block of an external workspace: created without a URL, rotated, or shown again
 * (`auth_token: ""`). The snippet fields after `python_snippet` come since `"2026-05"`.
 */
export interface ConnectionBlock {
  workspace_id: string;
  platform_url: string;
  auth_token: string;
  registry_endpoint: string;
  heartbeat_endpoint: string;
  curl_register_template: string;
  python_snippet: string;
  claude_code_channel_snippet?: string;
  universal_mcp_snippet?: string;
  hermes_channel_snippet?: string;
  codex_snippet?: string;
  openclaw_snippet?: string;
}

/** Result of `emu.admin.createWorkspace`. */
export interface CreatedWorkspace {
  id: string;
  /** The one-time workspace token (only when created without a URL). */
  token: string | undefined;
  connection?: ConnectionBlock;
  /** The platform's raw `201` body. */
  raw: unknown;
}

/** Result of `emu.admin.createWorkspace` without a `url`: the token is always there. */
export interface CreatedWorkspaceWithToken extends CreatedWorkspace {
  /** The one-time workspace token. */
  token: string;
}

/** Admin helpers: each one is a real HTTP call to the emulator with the admin token. */
export interface EmulatorAdmin {
  /**
   * `POST /workspaces` with `runtime: "external"`. Without a `url` the answer always has the
   * one-time token (typed as present; a platform answer without one throws `admin_call_failed`).
   */
  createWorkspace(
    input: CreateWorkspaceInput & { url?: undefined },
  ): Promise<CreatedWorkspaceWithToken>;
  /** `POST /workspaces` with `runtime: "external"` and a push `url`: no token. */
  createWorkspace(input: CreateWorkspaceInput): Promise<CreatedWorkspace>;
  /**
   * `POST /workspaces/:id/secrets` once per key. On `"2026-08"`, where an admin write waits for a
   * person (`202 pending_approval`), the helper approves it (`POST …/approvals/:id/decide`, as that
   * person would) and writes again.
   */
  setSecrets(id: string, secrets: Record<string, string>): Promise<void>;
  /** `POST /workspaces/:id/pause?cascade=true` (with its descendants). */
  pause(id: string): Promise<void>;
  /** `POST /workspaces/:id/resume?cascade=true` (with its paused descendants). */
  resume(id: string): Promise<void>;
  /** `DELETE /workspaces/:id?confirm=true` (cascades to children), with `X-Confirm-Name` (2026-08). */
  deleteWorkspace(id: string, opts?: { purge?: boolean }): Promise<void>;
  /** `GET /workspaces/:id?include_removed=true` body. */
  getWorkspace(id: string): Promise<Record<string, unknown>>;
  /** `GET /workspaces` body. */
  listWorkspaces(): Promise<Record<string, unknown>[]>;
  /** `POST /workspaces/:id/tokens`: mints and returns a new workspace token. */
  createToken(id: string): Promise<string>;
}
