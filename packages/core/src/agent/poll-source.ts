// Adapters from the platform client to what poll delivery and event wake-ups consume.
import type { EventWakeupsOptions } from "../inbound/event-stream.js";
import type { PollDeliveryOptions } from "../inbound/poll.js";
import type { AgentPlatformClient } from "./types.js";

/** The poll fetch: `fetchActivity` when the client has it (cursor past echoes, paging, gaps). */
export function pollFetcher(
  client: AgentPlatformClient,
  limit: number | undefined,
): PollDeliveryOptions["fetch"] {
  return async ({ sinceId, sinceSecs, signal }) => {
    const opts = {
      ...(sinceId !== undefined ? { sinceId } : {}),
      ...(limit !== undefined ? { limit } : {}),
      signal,
    };
    if (client.fetchActivity) {
      const page = await client.fetchActivity({
        ...opts,
        ...(sinceSecs !== undefined ? { sinceSecs } : {}),
      });
      return {
        messages: page.messages,
        lastId: page.nextCursor,
        more: page.hasMore === true,
        gap: page.gap === true,
      };
    }
    return { messages: await client.fetchInbound(opts) };
  };
}

/** Opens the client's event stream, whichever of the two shapes it returns. */
export function eventStreamOpener(
  open: NonNullable<AgentPlatformClient["openEventStream"]>,
): EventWakeupsOptions["open"] {
  return async (signal) => {
    const r = await open({ signal });
    if (r && typeof r === "object" && "body" in r) {
      const close = (r as { close?: () => void }).close;
      return { body: r.body, close: close?.bind(r) };
    }
    return { body: r };
  };
}
