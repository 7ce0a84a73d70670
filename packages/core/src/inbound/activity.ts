// Inbound messages from the activity log: the platform client reads wire rows, this parses them.
import type { ActivityRows, FetchInboundOptions } from "../platform/index.js";
import { type InboundMessage, parseActivityRow } from "./message.js";

/** One page of activity, oldest first: the wire rows and the inbound messages among them. */
export interface ActivityPage extends ActivityRows {
  /** Inbound messages (own notify echoes and non-inbound rows removed). */
  messages: InboundMessage[];
}

/** What {@link fetchActivity} needs of a client: `PlatformClient` has it. */
export interface ActivityReader {
  fetchActivityRows(options?: FetchInboundOptions): Promise<ActivityRows>;
}

/** Adds the inbound messages parsed from its rows to a page of activity rows. */
export function toActivityPage(page: ActivityRows): ActivityPage {
  const messages: InboundMessage[] = [];
  for (const row of page.rows) {
    const m = parseActivityRow(row);
    if (m) messages.push(m);
  }
  return { ...page, messages };
}

/**
 * Reads one page of activity with `client.fetchActivityRows` (both platform contracts, see there)
 * and parses its inbound messages.
 *
 * @example
 * ```ts
 * const page = await fetchActivity(client, { sinceId: cursor });
 * for (const m of page.messages) console.log(m.text);
 * cursor = page.nextCursor;
 * ```
 */
export async function fetchActivity(
  client: ActivityReader,
  options: FetchInboundOptions = {},
): Promise<ActivityPage> {
  return toActivityPage(await client.fetchActivityRows(options));
}

/** Inbound messages, oldest first, own `/notify` echoes removed. See {@link fetchActivity}. */
export async function fetchInbound(
  client: ActivityReader,
  options: FetchInboundOptions = {},
): Promise<InboundMessage[]> {
  return (await fetchActivity(client, options)).messages;
}

/** One page of inbound messages, oldest first. */
export interface InboundPage {
  messages: InboundMessage[];
  /**
   * The id of the last row the server returned, including rows that are not messages (the agent's
   * own notify echoes): the cursor moves past those too. Defaults to the last message's id.
   */
  lastId?: string | undefined;
  /** The server returned a full page after a cursor: fetch again at once. */
  more?: boolean;
  /** When the last row was logged (epoch ms), when known: a reader's settle window orders it. */
  lastAt?: number | undefined;
  /** The last row's `seq`, when known. */
  lastSeq?: number | undefined;
  /**
   * Rows between the cursor and this page may exist that the server cannot return (the baseline
   * platform answers only its newest rows): reported, since those messages cannot be delivered.
   */
  gap?: boolean;
}
