// The canvas's org-wide live feed: every event the platform emits marks what changed (a workspace
// card, a traffic item, the pending approvals); every 200 ms the changes go out as one frame to
// each subscribed page.
// Heartbeats only age a card, which the page shows in seconds: a card whose only change is a
// heartbeat goes out at most once a second. A heartbeat storm costs one Set insert per heartbeat,
// and nothing at all before a page subscribes.
import type { ServerResponse } from "node:http";
import type { Platform, PlatformObserver } from "../platform.js";
import { pendingApprovalRows } from "../routes/approvals.js";
import type { ActivityRow } from "../store.js";
import { approvalView, deadLetterTarget, trafficView, workspaceView } from "./views.js";
import type {
  CanvasApproval,
  CanvasTraffic,
  CanvasWorkspace,
  FeedFrame,
  OrgSnapshot,
} from "./wire.js";

/**
 * How often changes are sent to the pages (ms). The page renders each frame as it arrives, so this
 * is also how often a busy page repaints: every repaint costs the browser (which shares the
 * machine with the emulator) more than the frame costs the emulator.
 */
const FLUSH_MS = 200;
/** At most this many traffic items per frame (the rest of a burst waits for the next frames). */
const MAX_TRAFFIC_PER_FRAME = 500;
/** Cards whose only change is a heartbeat go out at most this often (ms). */
const HEARTBEAT_MS = 1_000;
/** Traffic items of the org snapshot (the most recent ones). */
const SNAPSHOT_TRAFFIC = 300;
/** Dead-letter reports the feed remembers (by the traffic row they mark), the newest. */
const KEEP_DEAD_LETTERS = 1_000;

const feeds = new WeakMap<Platform, CanvasFeed>();

/** The feed of `platform`, created (and installed as its observer) on first use. */
export function feedOf(platform: Platform): CanvasFeed {
  let feed = feeds.get(platform);
  if (feed === undefined) {
    feed = new CanvasFeed(platform);
    feeds.set(platform, feed);
    platform.events.observer = feed;
  }
  return feed;
}

/** Fans the platform's events out to the canvas pages, coalesced. */
export class CanvasFeed implements PlatformObserver {
  private readonly pages = new Set<ServerResponse>();
  private readonly dirty = new Set<string>();
  private readonly beats = new Set<string>();
  private lastBeats = 0;
  private readonly rows = new Map<string, ActivityRow>();
  /** Dead-letter reports by the traffic row they mark. */
  private readonly dead = new Map<string, ActivityRow>();
  /** An approval was requested or decided: the next frame carries the pending list. */
  private approvalsChanged = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly platform: Platform) {}

  event(workspaceId: string, type: string, data: unknown): void {
    if (this.pages.size === 0) return;
    const d = (data ?? {}) as Record<string, unknown>;
    if (type === "ACTIVITY_LOGGED") {
      const row = this.platform.store.activityById.get(String(d["id"]));
      const marked = row === undefined ? undefined : deadLetterTarget(this.platform.store, row);
      if (marked !== undefined) {
        this.dead.set(marked.id, row!);
        if (this.dead.size > KEEP_DEAD_LETTERS) this.dead.delete(this.dead.keys().next().value!);
        this.rows.set(marked.id, marked);
      } else if (row !== undefined) this.rows.set(row.id, row);
    } else if (type === "DELEGATION_STATUS") {
      const list = this.platform.store.activity.get(workspaceId) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const r = list[i] as ActivityRow;
        if (r.delegationId === d["delegation_id"] && r.method === "delegate") {
          this.rows.set(r.id, r);
          break;
        }
      }
    } else if (type === "WORKSPACE_HEARTBEAT") this.beats.add(workspaceId);
    else if (type.startsWith("APPROVAL_")) this.approvalsChanged = true;
    else this.dirty.add(workspaceId);
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Subscribes a page's streaming response (the caller has checked the admin token). */
  subscribe(res: ServerResponse): void {
    this.pages.add(res);
    const done = (): void => void this.pages.delete(res);
    res.on("close", done);
    res.on("finish", done);
  }

  /** The whole org and its recent traffic. */
  snapshot(): OrgSnapshot {
    const store = this.platform.store;
    const rows: ActivityRow[] = [];
    // Dead-letter reports are newer than the messages they mark: met first, walking back.
    const dead = new Map<string, ActivityRow>();
    for (const list of store.activity.values())
      for (let i = list.length - 1, n = 0; i >= 0 && n < SNAPSHOT_TRAFFIC; i--) {
        const r = list[i] as ActivityRow;
        const marked = deadLetterTarget(store, r);
        if (marked !== undefined) dead.set(marked.id, r);
        else if (trafficView(r) !== undefined) {
          rows.push(r);
          n++;
        }
      }
    rows.sort((a, b) => a.seq - b.seq);
    const traffic: CanvasTraffic[] = [];
    for (const r of rows.slice(-SNAPSHOT_TRAFFIC)) {
      const t = trafficView(r, dead.get(r.id) ?? this.dead.get(r.id));
      if (t !== undefined) traffic.push(t);
    }
    return {
      compat: this.platform.s.compat,
      now: this.platform.now(),
      workspaces: [...store.workspaces.values()].map(workspaceView),
      traffic,
      approvals: this.approvals(),
      ...(this.platform.s.orgId !== undefined ? { orgId: this.platform.s.orgId } : {}),
    };
  }

  /** The pending approvals as the page lists them (after the platform's expiry sweep). */
  approvals(): CanvasApproval[] {
    return pendingApprovalRows(this.platform).map(approvalView);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pages.size === 0) {
      this.dirty.clear();
      this.beats.clear();
      this.rows.clear();
      this.approvalsChanged = false;
      return;
    }
    const now = Date.now();
    if (now - this.lastBeats >= HEARTBEAT_MS && this.beats.size > 0) {
      for (const id of this.beats) this.dirty.add(id);
      this.beats.clear();
      this.lastBeats = now;
    }
    const workspaces: CanvasWorkspace[] = [];
    for (const id of this.dirty) {
      const w = this.platform.ws(id);
      if (w !== undefined) workspaces.push(workspaceView(w));
    }
    this.dirty.clear();
    const traffic: CanvasTraffic[] = [];
    for (const [id, row] of this.rows) {
      if (traffic.length >= MAX_TRAFFIC_PER_FRAME) break;
      this.rows.delete(id);
      const t = trafficView(row, this.dead.get(id));
      if (t !== undefined) traffic.push(t);
    }
    const approvals = this.approvalsChanged ? this.approvals() : undefined;
    this.approvalsChanged = false;
    if (workspaces.length > 0 || traffic.length > 0 || approvals !== undefined) {
      const frame: FeedFrame = {
        now: this.platform.now(),
        workspaces,
        traffic,
        ...(approvals !== undefined ? { approvals } : {}),
      };
      const data = `data: ${JSON.stringify(frame)}\n\n`;
      for (const res of this.pages) if (!res.writableEnded) res.write(data);
    }
    if (this.rows.size > 0 || this.beats.size > 0) this.arm();
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const res of this.pages) res.end();
    this.pages.clear();
  }
}
