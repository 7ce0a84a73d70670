// The page's state: the org's cards, the traffic, and the views derived from them (the tree, the
// conversations by contextId, the traces by trace id).
import type { FeedFrame, OrgSnapshot } from "../../src/canvas/wire.js";
import type { CanvasApproval, CanvasTraffic, CanvasWorkspace } from "../../src/canvas/wire.js";

export type { CanvasApproval, CanvasTraffic, CanvasWorkspace };

/** Pending approvals older than this are denied by the platform (its next sweep): not offered. */
export const APPROVAL_EXPIRY_MS = 10 * 60_000;

/** Traffic items the page keeps (the oldest go first). */
const KEEP = 1_000;
/** Calls waiting for their answer that the page remembers (the oldest are forgotten). */
const KEEP_WAITING = 2_000;

function byName(a: CanvasWorkspace, b: CanvasWorkspace): number {
  return a.name.localeCompare(b.name);
}

/** When a call started: a row is logged when its call ends. */
function start(t: CanvasTraffic): number {
  return t.at - (t.latencyMs ?? 0);
}

export class Org {
  readonly workspaces = new Map<string, CanvasWorkspace>();
  traffic: CanvasTraffic[] = [];
  /** Counts the frames that changed a card (the org view renders only when it changes). */
  cardsVersion = 0;
  /** Pending approvals, newest first. */
  approvals: CanvasApproval[] = [];
  /** Counts the times `approvals` was replaced (a poll's answer older than a feed frame is dropped). */
  approvalsVersion = 0;
  private readonly byId = new Map<string, CanvasTraffic>();
  /**
   * Calls stored for a poll agent (`queued`) whose answer has not come yet, oldest first, by what
   * the answer will carry: a reply names the call's sender, receiver and contextId; a `notify` (the
   * answer to the canvas user) only its workspace.
   */
  private readonly waiting = new Map<string, CanvasTraffic[]>();
  private waitingCount = 0;
  /** A queued call's answer (by the call's id), once it came. */
  readonly answerOf = new Map<string, CanvasTraffic>();
  /** The thread (conversation key) an answer joins: the one of the call it answers. */
  readonly threadOf = new Map<string, string>();
  /** Emulator clock minus this browser's clock (ms). */
  offset = 0;
  compat = "";

  load(s: OrgSnapshot): void {
    this.workspaces.clear();
    this.traffic = [];
    this.approvals = [];
    this.byId.clear();
    this.waiting.clear();
    this.waitingCount = 0;
    this.answerOf.clear();
    this.threadOf.clear();
    this.compat = s.compat;
    this.apply(s);
  }

  apply(f: FeedFrame): void {
    this.offset = f.now - Date.now();
    for (const w of f.workspaces) this.workspaces.set(w.id, w);
    if (f.workspaces.length > 0) this.cardsVersion++;
    if (f.approvals !== undefined) this.setApprovals(f.approvals);
    for (const t of f.traffic) {
      const old = this.byId.get(t.id);
      if (old !== undefined) Object.assign(old, t);
      else {
        this.byId.set(t.id, t);
        this.traffic.push(t);
        this.pair(t);
      }
    }
    if (this.traffic.length > KEEP) {
      for (const t of this.traffic.splice(0, this.traffic.length - KEEP)) {
        this.byId.delete(t.id);
        this.answerOf.delete(t.id);
        this.threadOf.delete(t.id);
      }
    }
  }

  /**
   * Pairs a poll agent's answer with the queued call it answers (the platform logs them as two
   * unrelated rows), in order: a reply from B to A in context c answers A's oldest call to B in c
   * still waiting; a `notify` from B answers the canvas user's oldest call to B still waiting (so
   * a call someone else sends B later through the canvas route cannot take its answer).
   */
  private pair(t: CanvasTraffic): void {
    if (t.kind === "message" && t.outcome === "queued") {
      const key = t.from === null ? `${t.to}|canvas` : `${t.to}|${t.from}|${t.contextId ?? ""}`;
      const list = this.waiting.get(key) ?? [];
      this.waiting.delete(key); // re-inserted: the map stays in order of last use
      this.waiting.set(key, list);
      list.push(t);
      if (++this.waitingCount > KEEP_WAITING) {
        const [oldest, dropped] = this.waiting.entries().next().value!;
        this.waiting.delete(oldest);
        this.waitingCount -= dropped.length;
      }
      return;
    }
    const key =
      t.kind === "notify"
        ? `${t.to}|canvas`
        : t.kind === "reply" && t.from !== null
          ? `${t.from}|${t.to}|${t.contextId ?? ""}`
          : undefined;
    const list = key === undefined ? undefined : this.waiting.get(key);
    if (list === undefined) return;
    // Calls dead-lettered meanwhile get no answer; a call logged after the answer is not its call.
    let call: CanvasTraffic | undefined;
    while (list.length > 0 && call === undefined) {
      const next = list[0]!;
      if (next.at > t.at) return;
      list.shift();
      this.waitingCount--;
      if (next.outcome === "queued") call = next;
    }
    if (list.length === 0) this.waiting.delete(key!);
    if (call === undefined) return;
    this.answerOf.set(call.id, t);
    const thread = conversationKey(call);
    if (thread !== null) this.threadOf.set(t.id, thread);
  }

  setApprovals(list: CanvasApproval[]): void {
    this.approvals = list;
    this.approvalsVersion++;
  }

  /** The emulator's clock now. */
  now(): number {
    return Date.now() + this.offset;
  }

  name(id: string | null): string {
    if (id === null) return "canvas user";
    return this.workspaces.get(id)?.name ?? id.slice(0, 8);
  }

  /** Top-level cards and each card's children, by name. */
  tree(): { roots: CanvasWorkspace[]; children: Map<string, CanvasWorkspace[]> } {
    const children = new Map<string, CanvasWorkspace[]>();
    const roots: CanvasWorkspace[] = [];
    for (const w of this.workspaces.values()) {
      if (w.parentId !== null && this.workspaces.has(w.parentId)) {
        const list = children.get(w.parentId) ?? [];
        list.push(w);
        children.set(w.parentId, list);
      } else roots.push(w);
    }
    roots.sort(byName);
    for (const l of children.values()) l.sort(byName);
    return { roots, children };
  }
}

/** A thread of messages sharing a contextId (or, without one, a message id). */
export interface Conversation {
  key: string;
  items: CanvasTraffic[];
  last: number;
}

export function conversationKey(t: CanvasTraffic): string | null {
  if (t.kind === "notify") return `notify:${t.to}`;
  return t.contextId ?? t.messageId ?? null;
}

/** Conversations, most recent first (an answer paired with its call is in the call's). */
export function conversations(
  traffic: readonly CanvasTraffic[],
  threadOf: ReadonlyMap<string, string> = new Map(),
): Conversation[] {
  const map = new Map<string, Conversation>();
  for (const t of traffic) {
    const key = threadOf.get(t.id) ?? conversationKey(t);
    if (key === null) continue;
    let c = map.get(key);
    if (c === undefined) map.set(key, (c = { key, items: [], last: 0 }));
    c.items.push(t);
    c.last = Math.max(c.last, t.seq);
  }
  return [...map.values()].sort((a, b) => b.last - a.last);
}

/** One hop of a trace and the hops it caused (started by its target while it ran). */
export interface TraceHop {
  item: CanvasTraffic;
  children: TraceHop[];
}

/** Trace ids, most recent first, with their hops as a tree. */
export function traces(traffic: readonly CanvasTraffic[]): { traceId: string; hops: TraceHop[] }[] {
  const map = new Map<string, CanvasTraffic[]>();
  for (const t of traffic) {
    if (t.traceId === null) continue;
    const list = map.get(t.traceId) ?? [];
    list.push(t);
    map.set(t.traceId, list);
  }
  const out: { traceId: string; hops: TraceHop[]; last: number }[] = [];
  for (const [traceId, items] of map) {
    // A hop from X nests under the hop to X that was running when it started.
    const sorted = [...items].sort((a, b) => start(a) - start(b) || a.seq - b.seq);
    const hops = sorted.map((item) => ({ item, children: [] as TraceHop[] }));
    const roots: TraceHop[] = [];
    for (const hop of hops) {
      const parent = hops
        .filter(
          (p) =>
            p !== hop &&
            p.item.to === hop.item.from &&
            start(p.item) <= start(hop.item) &&
            p.item.at >= hop.item.at,
        )
        .at(-1);
      if (parent !== undefined) parent.children.push(hop);
      else roots.push(hop);
    }
    out.push({ traceId, hops: roots, last: Math.max(...items.map((i) => i.seq)) });
  }
  return out.sort((a, b) => b.last - a.last);
}

/**
 * How long a call took as the page shows it: the platform's latency, or for a call queued for a
 * poll agent (latency 0: it was stored), the round trip to its answer once that came.
 */
export function roundTrip(t: CanvasTraffic, answer: CanvasTraffic | undefined): string {
  if (t.outcome === "queued")
    return answer === undefined ? "" : ` · answered in ${Math.max(0, answer.at - t.at)} ms`;
  // A queued call its receiver gave up on: the 0 ms of storing it says nothing.
  if (t.outcome === "dead-lettered" && t.latencyMs === 0) return "";
  return t.latencyMs !== null ? ` · ${t.latencyMs} ms` : "";
}

/** "3 s ago", "2 min ago", "never". */
export function age(now: number, at: number | null): string {
  if (at === null) return "never";
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** The page's one org, fed by the live feed. */
export const org = new Org();
