// Registry calls: register (with delivery-mode negotiation), heartbeat, update-card.
import { checkCardSize } from "./card-size.js";
import type { CardUpdateOptions, RegisteredCard } from "./card-sync.js";
import type { AgentCard } from "../a2a/index.js";
import { heartbeatIntervalOf, MoleculeError, sendRetryingFresh } from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import { hideInInspect, redactDeep } from "../transport/index.js";
import { registerResponseSchema } from "../wire/index.js";
import { invalid, toInt } from "./args.js";
import { platformContract } from "./capabilities.js";
import { errorText, ok } from "./http-errors.js";
import type { InboundSecret } from "./chat-files.js";
import type { PlatformSession } from "./session.js";
import type { HeartbeatReport, RegisterResult } from "./types.js";
import type { PlatformContract } from "./capabilities.js";

/** Options of {@link register}. */
export interface RegisterOptions {
  url?: string | undefined;
  agentCard: AgentCard;
  deliveryMode?: "push" | "poll" | undefined;
  signal?: AbortSignal | undefined;
}

/** `POST /registry/register`; see `PlatformClient.register`. The card sent is kept in `registered`. */
export async function register(
  s: PlatformSession,
  options: RegisterOptions,
  registered: RegisteredCard,
  secret: InboundSecret,
): Promise<RegisterResult> {
  const { url, agentCard, signal } = options ?? ({} as never);
  if (
    !agentCard ||
    typeof agentCard !== "object" ||
    typeof agentCard.name !== "string" ||
    agentCard.name === ""
  ) {
    throw invalid('register needs agentCard with a non-empty name, e.g. { name: "researcher" }');
  }
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw invalid(
        `register url must be an absolute http(s) URL the platform can reach; got ${JSON.stringify(url)}`,
      );
    }
  }
  const requested = options.deliveryMode ?? (url ? "push" : "poll");
  if (requested === "push" && !url) {
    throw invalid(
      "push delivery needs the http(s) `url` where the platform can reach this agent's A2A endpoint",
    );
  }
  await s.ensureToken();
  let caps: PlatformContract | undefined;
  if (s.token && requested === "poll") {
    caps = await platformContract(s, signal).catch(() => undefined);
  }
  let mode: "push" | "poll" = requested;
  if (mode === "poll" && caps && !caps.pollDelivery) {
    if (!url) throw pollUnsupported(s);
    mode = "push";
    s.logger?.warn?.(
      "platform has no poll delivery (2026-04 contract); registering for push at the given url",
    );
  }
  const body: Record<string, unknown> = {
    id: s.workspaceId,
    agent_card: agentCard,
    delivery_mode: mode,
  };
  if (url) body.url = url;
  const hadToken = s.token !== undefined;
  // In the heartbeat class of the rate budget: it brings the agent online. The platform records it
  // as a heartbeat (status online, `last_heartbeat_at`): a signal marked with the agent's heartbeat
  // interval has the budget keep room for the next one.
  const every = heartbeatIntervalOf(signal);
  const res = await s.send({
    method: "POST",
    path: "/registry/register",
    json: body,
    signal,
    priority: "heartbeat",
    heartbeat: every === undefined ? undefined : { key: s.workspaceId, nextInMs: every },
  });
  if (!ok(res.status)) {
    if (res.status === 400 && !url && mode === "poll") throw pollUnsupported(s, res);
    throw s.fail(res, "register", {
      401: hadToken
        ? "register was rejected with 401: the token held for this workspace is invalid (revoked, or the workspace was removed); get a new token from the platform admin"
        : "register was rejected with 401: this workspace already has a token; pass it as `token` or through `tokenStore`",
      400: `register was refused (400 "${errorText(res.body, s.known) ?? "invalid request body"}"): the platform rejects urls that are not public http(s) addresses it can resolve, and ids that are not UUIDs`,
    });
  }
  const parsed = s.expect(registerResponseSchema, res, "register");
  registered.set(agentCard);
  let tokenIssued = false;
  if (parsed.auth_token) {
    await s.setToken(parsed.auth_token.trim());
    tokenIssued = true;
  }
  const echoed =
    parsed.delivery_mode === "poll" || parsed.delivery_mode === "push"
      ? parsed.delivery_mode
      : undefined;
  let deliveryMode: "push" | "poll";
  if (echoed) deliveryMode = echoed;
  else if (mode === "push" || !url) deliveryMode = mode; // without a url only poll can succeed
  else {
    // Poll was asked for with a url and the server did not say what it did. The baseline ignores
    // delivery_mode and pushes to the url; a first registration could not probe (no token yet).
    const probed = caps ?? (await platformContract(s, signal).catch(() => undefined));
    deliveryMode = probed?.pollDelivery ? "poll" : "push";
  }
  if (mode === "poll" && deliveryMode === "push") {
    s.logger?.warn?.(
      "requested poll delivery but the platform registered push delivery to the given url",
    );
  }
  const result: RegisterResult = { status: parsed.status, tokenIssued, deliveryMode };
  if (parsed.platform_inbound_secret) {
    secret.note(parsed.platform_inbound_secret);
    result.inboundSecret = parsed.platform_inbound_secret;
    hideInInspect(result, ["inboundSecret"]);
  }
  return result;
}

function pollUnsupported(s: PlatformSession, res?: HttpResponse): MoleculeError {
  return new MoleculeError(
    "this platform has no poll delivery (the 2026-04 contract needs a push URL): pass `url` (a public http(s) address of this agent's A2A endpoint, e.g. from startA2AServer) or use a newer platform",
    {
      code: "poll_delivery_unsupported",
      status: res?.status,
      body: res ? redactDeep(res.body, s.known) : undefined,
    },
  );
}

/**
 * `POST /registry/heartbeat` with a task report; integer fields are sent as integers. The answer's
 * `platform_inbound_secret` (newer platforms send it with every heartbeat: enteros-core@50c3bdfd
 * `registry.go` 622-650) is kept in `secret`.
 */
export async function heartbeat(
  s: PlatformSession,
  report: HeartbeatReport,
  options: { signal?: AbortSignal },
  secret: InboundSecret,
): Promise<void> {
  const uptime = report.uptimeSeconds ?? (performance.now() - s.started) / 1000;
  const bodyText =
    `{"workspace_id":${JSON.stringify(s.workspaceId)}` +
    `,"active_tasks":${toInt(report.activeTasks, "activeTasks") ?? 0}` +
    `,"current_task":${JSON.stringify(report.currentTask ?? "")}` +
    `,"error_rate":${Number.isFinite(report.errorRate) ? Number(report.errorRate) : 0}` +
    `,"sample_error":${JSON.stringify(report.sampleError ?? "")}` +
    `,"uptime_seconds":${toInt(uptime, "uptimeSeconds") ?? 0}` +
    (report.runtimeState !== undefined
      ? `,"runtime_state":${JSON.stringify(report.runtimeState)}`
      : "") +
    "}";
  // An agent's heartbeat says when the next goes: the rate budget keeps room for it.
  const every = heartbeatIntervalOf(options.signal);
  // Timed out (a connection a NAT forgot?): sent again at once on a new one (fresh-retry.ts).
  const res = await sendRetryingFresh(s, {
    method: "POST",
    path: "/registry/heartbeat",
    bodyText,
    signal: options.signal,
    liveness: true,
    priority: "heartbeat",
    heartbeat: every === undefined ? undefined : { key: s.workspaceId, nextInMs: every },
  });
  if (!ok(res.status)) throw await s.selfFail(res, "heartbeat", options.signal);
  secret.noteHeartbeat(res.body);
}

/**
 * `POST /registry/update-card` with `card` over the card in `registered` (what it leaves out is
 * kept), or `card` alone with `replace: true`; the card sent becomes the registered one.
 */
export async function updateAgentCard(
  s: PlatformSession,
  card: AgentCard,
  options: CardUpdateOptions,
  registered: RegisteredCard,
): Promise<void> {
  if (!card || typeof card !== "object")
    throw invalid("updateAgentCard needs an agent card object");
  const sent = registered.merged(card, options.replace);
  checkCardSize(sent, "updateAgentCard");
  const res = await s.send({
    method: "POST",
    path: "/registry/update-card",
    json: { workspace_id: s.workspaceId, agent_card: sent },
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "updateAgentCard", options.signal);
  registered.set(sent);
}
