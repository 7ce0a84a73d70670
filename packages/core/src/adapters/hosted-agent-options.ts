// The options of an agent hosted in a web app (the NestJS module's): their types, validation with
// messages that say what to fix, and delivery normalized for the app's route and `RemoteAgent`.
import type { AgentCard } from "../a2a/index.js";
import type { AgentStore } from "../store/index.js";
import type { CursorStore, InboundMessage } from "../inbound/index.js";
import type { TokenStore } from "../platform/index.js";

/** Push delivery: the platform POSTs inbound A2A messages to a route the host app serves. */
export interface HostedPushDelivery {
  mode: "push";
  /**
   * The route the app mounts (on Express or Fastify), e.g. `"/molecule/a2a"`. A secret path
   * segment is appended: the full route is `<path>/<secret>`. The global prefix, if any, is
   * not added for you; include it in `publicUrl`.
   */
  path: string;
  /**
   * The URL the platform reaches this route at, without the secret segment, e.g.
   * `"https://billing.example.com/molecule/a2a"`. The agent registers `<publicUrl>/<secret>`.
   */
  publicUrl: string;
  /**
   * The secret path segment (22-256 URL-safe characters, e.g. from `generatePathSecret()`).
   * Default: derived from the workspace token, so the URL survives restarts (a fresh random one
   * while no token exists yet). Requests without it get 404.
   */
  secret?: string;
}

/** Poll delivery: the agent fetches inbound messages from the platform (works behind NAT). */
export interface HostedPollDelivery {
  mode: "poll";
  /** Poll interval in ms (default 5 000; event-stream wake-ups make latency independent of it). */
  intervalMs?: number;
  /** Where the poll cursor is persisted (default: in memory). */
  cursorStore?: CursorStore;
}

/** How inbound messages reach the app's handlers. */
export type HostedDelivery = "poll" | "off" | HostedPollDelivery | HostedPushDelivery;

/** The options of an agent hosted in a web app (e.g. the NestJS module's `forRoot` options). */
export interface HostedAgentOptions {
  /** The platform's base URL, e.g. `"https://acme.moleculesai.app"`. */
  platformUrl: string;
  /** This workspace's id (a UUID, from the canvas or `AdminClient.createExternalWorkspace`). */
  workspaceId: string;
  /** The workspace bearer token. Omit on first registration to have one issued (kept in `tokenStore`). */
  token?: string;
  /** Where the token is loaded from and saved to (e.g. `new FileTokenStore({ workspaceId })`). */
  tokenStore?: TokenStore;
  /** The org (tenant) id, sent as `X-Molecule-Org-Id` on SaaS platforms. */
  orgId?: string;
  /** The agent card registered with the platform (default `{ name: workspaceId }`). */
  agentCard?: AgentCard;
  /**
   * Unset (the default): chosen as core's `RemoteAgent` chooses, poll where the platform has poll
   * delivery, else push to a server of the agent's own (127.0.0.1, a free port, registered as
   * `http://localhost:<port>/<secret>`: the April 2026 platform). `"poll"`, `{ mode: "push",
   * path, publicUrl }` (a route in this app), or `"off"` (no inbound delivery: the workspace
   * heartbeats and can call peers, nothing is received) choose it.
   */
  delivery?: HostedDelivery;
  /** Heartbeat interval in ms (default 30 000; the platform marks a workspace offline after 90 s). */
  heartbeatIntervalMs?: number;
  /** How many inbound messages are handled at once (default 4). */
  concurrency?: number;
  /** Attempts per inbound message before it is dead-lettered (default: the core default). */
  maxAttempts?: number;
  /**
   * Called with a message that could not be handled (no matching handler, or the handler kept
   * failing). Default: logged as an error.
   */
  onDeadLetter?: (msg: InboundMessage, error: unknown) => void | Promise<void>;
  /**
   * The shutdown's time, in ms: in-flight handlers finish and their answers are sent within it
   * (the host's default: the NestJS module's is 25 000, inside Kubernetes' 30 s grace).
   */
  drainTimeoutMs?: number;
  /** Per-request timeout for platform calls, in ms (default 30 000). */
  timeoutMs?: number;
  /**
   * Where the agent keeps cursor, de-duplication and reply outbox (default in memory), e.g.
   * `createPostgresStore({ connectionString })` from `@molecule-ai/postgres` so that every replica
   * of this app handles each message once (poll and push). Close it on shutdown yourself.
   */
  store?: AgentStore;
  /**
   * When the workspace is paused at start: `"refuse"` (default), `"wait"` or `"resume"` (see
   * `RemoteAgentOptions.whenPaused`).
   */
  whenPaused?: "refuse" | "wait" | "resume" | undefined;
  /**
   * When the workspace is paused while the app runs: `"wait"` (default for a hosted agent, whose
   * app outlives the pause) takes no messages until it is resumed, then carries on; `"end"` ends
   * the agent (see `RemoteAgentOptions.onPause`).
   */
  onPause?: "end" | "wait" | undefined;
}

/** Delivery after validation: trailing slashes trimmed, defaults filled in. */
export type ResolvedHostedDelivery =
  | { mode: "auto" }
  | { mode: "off" }
  | { mode: "poll"; intervalMs?: number; cursorStore?: CursorStore }
  | { mode: "push"; path: string; publicUrl: string; secret?: string };

/** Validated options, as {@link resolveHostedAgentOptions} returns them. */
export interface HostedAgentConfig<O extends HostedAgentOptions = HostedAgentOptions> {
  options: O;
  delivery: ResolvedHostedDelivery;
}

/** How {@link resolveHostedAgentOptions} reports a problem. */
export interface HostedOptionsCheck {
  /** Throws the host's own error for `message` (e.g. prefixed with the module's name). */
  fail: (message: string) => never;
  /** Where the options come from, appended to "missing" messages. */
  hint: string;
}

function isHttpUrl(value: unknown): boolean {
  return (
    typeof value === "string" && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
  );
}

/**
 * Validates hosted-agent options (never echoing the token or the secret) and normalizes delivery.
 * Each problem is reported through `check.fail` with a message naming the option and the fix.
 */
export function resolveHostedAgentOptions<O extends HostedAgentOptions>(
  options: O | undefined | null,
  check: HostedOptionsCheck,
): HostedAgentConfig<O> {
  // Annotated so that the checks below narrow `options` (a call to a `never` function ends flow).
  const fail: (message: string) => never = check.fail;
  const hint = check.hint;
  const positiveInt = (name: string, value: unknown): void => {
    if (value === undefined) return;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      fail(`\`${name}\` must be a positive integer, got ${JSON.stringify(value)}.`);
    }
  };
  if (options == null || typeof options !== "object") {
    fail(`no options were given (got ${String(options)}). ${hint}`);
  }
  if (typeof options.platformUrl !== "string" || options.platformUrl.trim() === "") {
    fail(
      `\`platformUrl\` is missing: set it to the platform's base URL (MOLECULE_PLATFORM_URL in the quickstarts), e.g. "https://acme.moleculesai.app". ${hint}`,
    );
  }
  if (!isHttpUrl(options.platformUrl)) {
    fail(`\`platformUrl\` must be an http(s) URL, got ${JSON.stringify(options.platformUrl)}.`);
  }
  if (typeof options.workspaceId !== "string" || options.workspaceId.trim() === "") {
    fail(
      `\`workspaceId\` is missing: set it to this workspace's id (from the canvas, or MOLECULE_WORKSPACE_ID). ${hint}`,
    );
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token === "")) {
    fail(
      "`token` must be a non-empty string when set (omit it to have one issued at first registration).",
    );
  }
  positiveInt("heartbeatIntervalMs", options.heartbeatIntervalMs);
  const when: unknown = options.whenPaused;
  if (when !== undefined && when !== "refuse" && when !== "wait" && when !== "resume") {
    fail(`\`whenPaused\` must be "refuse", "wait" or "resume", got ${JSON.stringify(when)}.`);
  }
  positiveInt("concurrency", options.concurrency);
  positiveInt("maxAttempts", options.maxAttempts);
  positiveInt("timeoutMs", options.timeoutMs);
  if (
    options.drainTimeoutMs !== undefined &&
    !(typeof options.drainTimeoutMs === "number" && options.drainTimeoutMs >= 0)
  ) {
    fail(
      `\`drainTimeoutMs\` must be a number >= 0, got ${JSON.stringify(options.drainTimeoutMs)}.`,
    );
  }
  const onPause: unknown = options.onPause;
  if (onPause !== undefined && onPause !== "end" && onPause !== "wait") {
    fail(`\`onPause\` must be "end" or "wait", got ${JSON.stringify(onPause)}.`);
  }
  const delivery = options.delivery;
  if (delivery === undefined) return { options, delivery: { mode: "auto" } };
  if (delivery === "poll") return { options, delivery: { mode: "poll" } };
  if (delivery === "off") return { options, delivery: { mode: "off" } };
  if (typeof delivery !== "object" || delivery === null) {
    fail(
      `\`delivery\` must be "poll", "off", { mode: "poll" } or { mode: "push", path, publicUrl }, got ${JSON.stringify(delivery)}.`,
    );
  }
  if (delivery.mode === "poll") {
    positiveInt("delivery.intervalMs", delivery.intervalMs);
    const { intervalMs, cursorStore } = delivery;
    return { options, delivery: { mode: "poll", intervalMs, cursorStore } };
  }
  if (delivery.mode !== "push") {
    fail(
      `\`delivery.mode\` must be "poll" or "push", got ${JSON.stringify((delivery as { mode?: unknown }).mode)}.`,
    );
  }
  const { path, publicUrl, secret } = delivery;
  if (typeof path !== "string" || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
    fail(
      `\`delivery.path\` must be a route path starting with "/" (letters, digits, "-", "_", ".", "~", "/"), e.g. "/molecule/a2a"; got ${JSON.stringify(path)}.`,
    );
  }
  if (!isHttpUrl(publicUrl)) {
    fail(
      `\`delivery.publicUrl\` must be the http(s) URL the platform reaches \`delivery.path\` at, e.g. "https://billing.example.com/molecule/a2a"; got ${JSON.stringify(publicUrl)}.`,
    );
  }
  if (
    secret !== undefined &&
    (typeof secret !== "string" || !/^[A-Za-z0-9_-]{22,256}$/.test(secret))
  ) {
    fail(
      "`delivery.secret` must be 22-256 URL-safe characters (A-Z a-z 0-9 - _); omit it to generate one.",
    );
  }
  const trimmedPath = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const trimmedUrl = publicUrl.replace(/\/+$/, "");
  return { options, delivery: { mode: "push", path: trimmedPath, publicUrl: trimmedUrl, secret } };
}
