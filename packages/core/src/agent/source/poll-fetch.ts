// Adapters from the platform client to what poll delivery and event wake-ups consume.
import { type AgentObserver, EventWakeupsUnavailableWarning } from "../../events/index.js";
import { toActivityPage, type InboundPage } from "../../inbound/index.js";
import { hooksOf } from "../client-hooks.js";
import { EVENT_IDLE_TIMEOUT_MS } from "../../platform/index.js";
import type { EventWakeupsOptions, OwnHeartbeats } from "../../platform/index.js";
import { MoleculeError } from "../../transport/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";

/**
 * Fetches the page strictly after `sinceId` (or the rows of the last `sinceSecs` seconds, or the
 * newest rows when both are undefined), ascending.
 */
export type PageFetcher = (opts: {
  sinceId?: string;
  sinceSecs?: number;
  /** Rows read already: read without their bodies (`FetchInboundOptions.known`). */
  known?: (id: string) => boolean;
  signal: AbortSignal;
}) => Promise<InboundPage>;

/** The poll fetch: rows or a page when the client reads them (cursor past echoes, paging, gaps). */
export function pollFetcher(client: AgentPlatformClient, limit: number | undefined): PageFetcher {
  return async ({ sinceId, sinceSecs, known, signal }) => {
    const opts = {
      ...(sinceId !== undefined ? { sinceId } : {}),
      ...(limit !== undefined ? { limit } : {}),
      signal,
    };
    const rich = { ...opts, ...(sinceSecs !== undefined ? { sinceSecs } : {}), known };
    const page = client.fetchActivityRows
      ? toActivityPage(await client.fetchActivityRows(rich))
      : client.fetchActivity
        ? await client.fetchActivity(rich)
        : undefined;
    if (page) {
      const rows = (page as { rows?: unknown }).rows;
      const last = Array.isArray(rows)
        ? (rows.at(-1) as { created_at?: string | null; seq?: unknown } | undefined)
        : undefined;
      const at = last?.created_at ? Date.parse(last.created_at) : Number.NaN;
      return {
        messages: page.messages,
        lastId: page.nextCursor,
        more: page.hasMore === true,
        gap: page.gap === true,
        ...(Number.isFinite(at) ? { lastAt: at } : {}),
        ...(typeof last?.seq === "number" ? { lastSeq: last.seq } : {}),
      };
    }
    if (!client.fetchInbound) {
      throw new MoleculeError(
        "the client given to RemoteAgent cannot read inbound messages: give it fetchActivityRows (as PlatformClient has), fetchActivity or fetchInbound",
        { code: "invalid_option" },
      );
    }
    return { messages: await client.fetchInbound(opts) };
  };
}

/**
 * Opens the client's event stream: a `PlatformClient`'s without a Readable (its internal opener),
 * any other client's (or an overridden `openEventStream`) in whichever of the two shapes it returns.
 */
export function eventStreamOpener(
  client: AgentPlatformClient,
): EventWakeupsOptions["open"] | undefined {
  const open = client.openEventStream?.bind(client);
  if (!open) return undefined;
  const hooks = hooksOf(client);
  return async (signal) => {
    const chunks = hooks?.openEventChunks(signal);
    if (chunks) return { chunks: await chunks };
    const r = await open({ signal });
    if (r && typeof r === "object" && "body" in r) {
      const close = (r as { close?: () => void }).close;
      return { body: r.body, close: close?.bind(r) };
    }
    return { body: r };
  };
}

/**
 * Sets the event stream's silence bound and its outage warning on `wakeups` (the options object
 * of a poll source's wake-ups): `eventIdleTimeoutMs`, by default 45 s, or 1.5 heartbeat intervals
 * when longer (the platform's stream carries the event of each heartbeat it accepts, and nothing
 * else while idle: a silence while the agent's own heartbeat is held back does not count,
 * `heartbeats`), and each outage as a `wakeupsUnavailable` warning. Returns `wakeups`.
 */
export function watchWakeupOutages<W extends EventWakeupsOptions>(
  wakeups: W,
  options: Pick<
    RemoteAgentOptions,
    "client" | "eventIdleTimeoutMs" | "heartbeatIntervalMs" | "pollIntervalMs"
  >,
  observer: AgentObserver,
  heartbeats: OwnHeartbeats,
): W {
  const heartbeatMs = options.heartbeatIntervalMs ?? 30_000;
  wakeups.heartbeats = heartbeats;
  wakeups.idleTimeoutMs =
    options.eventIdleTimeoutMs ?? Math.max(EVENT_IDLE_TIMEOUT_MS, 1.5 * heartbeatMs);
  const { workspaceId } = options.client;
  const pollMs = options.pollIntervalMs ?? 5_000;
  // A stream the path to the platform keeps from reopening: its event, and the path's line (one
  // per cause) instead of a line of its own.
  wakeups.onUnavailable = (reason, error) =>
    observer.wakeupsUnavailable(
      new EventWakeupsUnavailableWarning(workspaceId, pollMs, reason, "stream"),
      error !== undefined && observer.path.failed(error),
    );
  return wakeups;
}
