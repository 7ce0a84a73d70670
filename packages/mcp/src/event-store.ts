// Where the Streamable HTTP server keeps the SSE events of its 2025-era sessions, so that a client
// whose stream broke can resume it (`Last-Event-ID`) on the replica that holds the session or on
// any other replica that shares the store: that one replays the stored events and follows the
// stream until its answer is stored. One writer per session (the replica that holds it).
import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";
import { MoleculeError } from "@molecule-ai/agent-core";

/** One stored SSE event. */
export interface McpStoredEvent {
  /** The SSE event id (`Last-Event-ID`): `<sessionId>.<streamId>.<sequence>`. */
  id: string;
  /** The JSON-RPC message the event carried. */
  message: JSONRPCMessage;
}

/** The events of one stream after a given event, as {@link McpEventStore.after} returns them. */
export interface McpEventsAfter {
  /** The session the stream belongs to. */
  sessionId: string;
  /** The stream (the SDK's stream id). */
  streamId: string;
  /** The events stored after the given one, oldest first. */
  events: McpStoredEvent[];
}

/**
 * A store of SSE events that the replicas of one MCP server share (a directory on a shared
 * volume: {@link FileMcpEventStore}; or a database table). Event ids name their session and
 * stream, so any replica can answer `Last-Event-ID`.
 */
export interface McpEventStore {
  /** Stores `message`, sent on `streamId` of `sessionId`; resolves with its event id. */
  append(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string>;
  /**
   * The events stored on the stream of `eventId` after it (oldest first), or `undefined` when the
   * id is malformed or its session or stream is not (or no longer) stored.
   */
  after(eventId: string): Promise<McpEventsAfter | undefined>;
  /** Forgets a session's events (the session ended). */
  drop(sessionId: string): Promise<void>;
}

/** Stream ids (the SDK's: a UUID, or `_GET_stream` for the standalone stream) and session ids. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const EVENT_ID = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})\.(\d{1,12})$/;
/** Events kept per stream (older ones are cut when twice as many were written). */
const MAX_EVENTS = 1_000;
/** Session directories untouched this long are removed when a store opens (a replica that died). */
const STALE_MS = 24 * 60 * 60 * 1000;

/** Splits an event id into its session, stream and sequence; `undefined` when malformed. */
export function parseEventId(
  eventId: string,
): { sessionId: string; streamId: string; seq: number } | undefined {
  const m = EVENT_ID.exec(eventId);
  if (!m) return undefined;
  return { sessionId: m[1]!, streamId: m[2]!, seq: Number(m[3]) };
}

/** The SDK's `EventStore` of one session, over a shared {@link McpEventStore}. */
export function sessionEventStore(store: McpEventStore, sessionId: string): EventStore {
  return {
    storeEvent: (streamId, message) => store.append(sessionId, streamId, message),
    getStreamIdForEventId: async (eventId) => {
      const parsed = parseEventId(eventId);
      return parsed?.sessionId === sessionId ? parsed.streamId : undefined;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const found = await store.after(lastEventId);
      if (!found || found.sessionId !== sessionId) {
        throw new MoleculeError(
          "Unknown Last-Event-ID for this MCP session: open a new stream without it.",
          { code: "invalid_argument" },
        );
      }
      for (const e of found.events) await send(e.id, e.message);
      return found.streamId;
    },
  };
}

/**
 * A {@link McpEventStore} in a directory that every replica mounts (one JSON line per event, one
 * file per stream, one directory per session). Ids are checked before they name a path.
 */
export class FileMcpEventStore implements McpEventStore {
  readonly #dir: string;
  /** Per stream this process writes: the next sequence, the lines in the file, the write chain. */
  readonly #streams = new Map<string, { seq: number; lines: number; chain: Promise<unknown> }>();
  readonly #swept: Promise<void>;

  constructor(dir: string) {
    this.#dir = dir;
    this.#swept = this.#sweep().catch(() => undefined); // append says what failed
  }

  /** {@inheritDoc McpEventStore.append} */
  async append(sessionId: string, streamId: string, message: JSONRPCMessage): Promise<string> {
    if (!ID.test(sessionId) || !ID.test(streamId)) {
      throw new MoleculeError("An MCP session or stream id is not storable.", {
        code: "invalid_argument",
      });
    }
    await this.#swept;
    const key = `${sessionId}.${streamId}`;
    let s = this.#streams.get(key);
    if (!s) {
      s = { seq: 0, lines: 0, chain: mkdir(join(this.#dir, sessionId), { recursive: true }) };
      this.#streams.set(key, s);
    }
    const stream = s;
    const seq = ++stream.seq;
    const file = join(this.#dir, sessionId, `${streamId}.jsonl`);
    const write = stream.chain.then(async () => {
      await appendFile(file, `${JSON.stringify({ seq, message })}\n`);
      if (++stream.lines >= 2 * MAX_EVENTS) {
        const kept = (await readFile(file, "utf8")).trimEnd().split("\n").slice(-MAX_EVENTS);
        await writeFile(`${file}.tmp`, `${kept.join("\n")}\n`);
        await rename(`${file}.tmp`, file);
        stream.lines = kept.length;
      }
    });
    stream.chain = write.catch(() => undefined);
    await write;
    return `${key}.${seq}`;
  }

  /** {@inheritDoc McpEventStore.after} */
  async after(eventId: string): Promise<McpEventsAfter | undefined> {
    const parsed = parseEventId(eventId);
    if (!parsed) return undefined;
    const { sessionId, streamId, seq } = parsed;
    let text: string;
    try {
      text = await readFile(join(this.#dir, sessionId, `${streamId}.jsonl`), "utf8");
    } catch {
      return undefined;
    }
    const events: McpStoredEvent[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let entry: { seq: number; message: JSONRPCMessage };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // a line being written by the session's replica
      }
      if (entry.seq > seq) {
        events.push({ id: `${sessionId}.${streamId}.${entry.seq}`, message: entry.message });
      }
    }
    return { sessionId, streamId, events };
  }

  /** {@inheritDoc McpEventStore.drop} */
  async drop(sessionId: string): Promise<void> {
    if (!ID.test(sessionId)) return;
    for (const key of this.#streams.keys()) {
      if (key.startsWith(`${sessionId}.`)) this.#streams.delete(key);
    }
    await rm(join(this.#dir, sessionId), { recursive: true, force: true });
  }

  /** Removes the session directories of replicas that stopped without dropping them. */
  async #sweep(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(this.#dir)) {
      if (!ID.test(name)) continue;
      const info = await stat(join(this.#dir, name)).catch(() => undefined);
      if (info?.isDirectory() && now - info.mtimeMs > STALE_MS) {
        await rm(join(this.#dir, name), { recursive: true, force: true });
      }
    }
  }
}
