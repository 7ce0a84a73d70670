// The emulated server's events, fanned out as it sends each one: to the canvas observer, the
// `GET /ws` clients that may hear the workspace, the workspace's SSE streams (written once per
// stream per event-loop turn) and the history `GET /events/:id` reads (`structure_events`). The
// platform (platform.ts) owns one and emits through it; this file imports neither of them back.
import type { ServerResponse } from "node:http";
import { iso, newId } from "./util.js";

/** Sees every event the platform emits, org-wide (the canvas feed); installed on first use. */
export interface PlatformObserver {
  event(workspaceId: string, type: string, data: unknown): void;
  /** The emulator closes: end every stream. */
  close(): void;
}

/** One `GET /ws` client (event-socket.ts): `workspaceId` is `""` for the canvas (every event). */
export interface EventSocket {
  readonly workspaceId: string;
  /** Sends one message (dropped while the client is too far behind). */
  send(text: string): void;
  /** Closes the connection (emulator close). */
  close(): void;
}

/** A row of `GET /events/:id` (the server's `structure_events`). */
export interface StructureEvent {
  id: string;
  event_type: string;
  workspace_id: string;
  payload: unknown;
  created_at: string;
}

/** Events the real server broadcasts without recording them in `structure_events`. */
const UNRECORDED = new Set([
  "ACTIVITY_LOGGED",
  "AGENT_MESSAGE",
  "TASK_UPDATED",
  "WORKSPACE_HEARTBEAT",
  "A2A_RESPONSE",
]);

/** Structure events kept per workspace (the history route answers the 100 newest). */
const HISTORY_PER_WORKSPACE = 100;
/** Payload bytes kept per workspace beyond its newest event (cards can be megabytes each). */
const HISTORY_BYTES = 1 << 20;

/** The size of an event payload as JSON (what the history keeps of it). */
function payloadBytes(payload: unknown): number {
  return JSON.stringify(payload ?? null).length;
}

/** What the fan-out needs of the platform. */
export interface EventPlatform {
  /** The platform's clock (ms). */
  now(): number;
  /** `registry.CanCommunicate`: whether `b`'s events reach a socket of `a`. */
  canCommunicate(a: string, b: string): boolean;
}

/** Every stream and record an event reaches. One instance per platform. */
export class EventFanout {
  /** Each workspace's open SSE streams. */
  readonly subscribers = new Map<string, Set<ServerResponse>>();
  /** The `GET /ws` clients. */
  readonly sockets = new Set<EventSocket>();
  /** Recorded structure events per workspace, oldest first (at most 100 each, in memory only). */
  readonly history = new Map<string, StructureEvent[]>();
  /** Payload bytes of each workspace's history. */
  readonly #historyBytes = new Map<string, number>();

  constructor(private readonly platform: EventPlatform) {}

  /** The org-wide observer (the canvas feed), or none while no page has subscribed. */
  observer: PlatformObserver | undefined;

  /**
   * Delivers one event: to the canvas observer, the `GET /ws` clients (`{event, workspace_id,
   * timestamp, payload}`, the canvas gets all, a workspace those it may communicate with), the
   * workspace's SSE streams (the AG-UI envelope `{type, timestamp, data}`, exactly as the real
   * server sends it), and the history (`GET /events/:id`) unless the server broadcasts it only.
   */
  emit(workspaceId: string, type: string, data: unknown): void {
    this.observer?.event(workspaceId, type, data);
    const at = this.platform.now();
    if (!UNRECORDED.has(type)) this.#record(workspaceId, type, data, at);
    if (this.sockets.size > 0) {
      const msg = JSON.stringify({
        event: type,
        workspace_id: workspaceId,
        timestamp: new Date(at).toISOString(),
        payload: data,
      });
      for (const s of this.sockets)
        if (s.workspaceId === "" || this.platform.canCommunicate(s.workspaceId, workspaceId))
          s.send(msg);
    }
    const subs = this.subscribers.get(workspaceId);
    if (subs === undefined || subs.size === 0) return;
    const payload = JSON.stringify({ type, timestamp: at, data });
    // `data:` frames only, in both contracts: the newer server's `sse.go` 103 at 50c3bdfd writes
    // exactly what the baseline's does (an `event: <TYPE>` line was an emulator assumption).
    const frame = `data: ${payload}\n\n`;
    for (const res of subs) {
      if (res.writableEnded) continue;
      if (this.#unsent.size === 0) setImmediate(() => this.#flushFrames());
      this.#unsent.set(res, (this.#unsent.get(res) ?? "") + frame);
    }
  }

  #record(workspaceId: string, type: string, payload: unknown, at: number): void {
    let rows = this.history.get(workspaceId);
    if (rows === undefined) this.history.set(workspaceId, (rows = []));
    rows.push({
      id: newId(),
      event_type: type,
      workspace_id: workspaceId,
      payload,
      created_at: iso(at),
    });
    let bytes = (this.#historyBytes.get(workspaceId) ?? 0) + payloadBytes(payload);
    while (rows.length > HISTORY_PER_WORKSPACE || (bytes > HISTORY_BYTES && rows.length > 1))
      bytes -= payloadBytes((rows.shift() as StructureEvent).payload);
    this.#historyBytes.set(workspaceId, bytes);
  }

  /**
   * SSE frames emitted in this event-loop turn and not yet written, per stream: written together
   * at the end of the turn, so a burst of requests handled in one turn costs each stream one write
   * (and its reader one read) instead of one per event. Order per stream is kept.
   */
  readonly #unsent = new Map<ServerResponse, string>();

  #flushFrames(): void {
    for (const [res, frames] of this.#unsent) if (!res.writableEnded) res.write(frames);
    this.#unsent.clear();
  }

  /** Ends every SSE stream (emulator close), after the frames still to be written. */
  closeStreams(): void {
    this.#flushFrames();
    this.observer?.close();
    for (const subs of this.subscribers.values()) for (const res of subs) res.end();
    this.subscribers.clear();
    for (const s of this.sockets) s.close();
    this.sockets.clear();
  }
}
