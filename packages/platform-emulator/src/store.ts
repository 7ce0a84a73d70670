// The emulator's in-memory organisation: workspaces, tokens, secrets, activity, A2A queue, org
// memories and approval requests.
// Optionally persisted as one JSON file, written atomically (tmp file + rename).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { EmulatorError } from "./errors.js";

/** A workspace row (the subset of the platform's `workspaces` table the emulator needs). */
export interface WorkspaceRow {
  id: string;
  name: string;
  role: string | null;
  tier: number;
  status: string;
  runtime: string;
  url: string;
  agentCard: unknown;
  parentId: string | null;
  activeTasks: number;
  maxConcurrentTasks: number;
  lastErrorRate: number;
  lastSampleError: string;
  uptimeSeconds: number;
  currentTask: string;
  monthlySpend: number;
  budgetLimit: number | null;
  lastHeartbeatAt: number | null;
  lastOutboundAt: number | null;
  createdAt: number;
  updatedAt: number;
  removedAt: number | null;
  deliveryMode: "push" | "poll";
  inboundSecret: string;
  capabilities: Record<string, boolean>;
  x: number;
  y: number;
  collapsed: boolean;
  workspaceDir: string | null;
  workspaceAccess: string;
  /** 2026-08: `"platform"` for the seeded Org Concierge (absent = `"workspace"`). */
  kind?: "workspace" | "platform";
  /** 2026-08: `PATCH /workspaces/:id/abilities` (absent = `true`, the column's default). */
  talkToUserEnabled?: boolean;
  /** 2026-08: `PATCH /workspaces/:id/abilities` (absent = `false`; the concierge is born `true`). */
  broadcastEnabled?: boolean;
}

/** A workspace auth token row: only the sha256 of the plaintext is kept. */
export interface TokenRow {
  id: string;
  workspaceId: string;
  hash: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A secret row (workspace scope). */
export interface SecretRow {
  key: string;
  value: string;
  createdAt: number;
  updatedAt: number;
}

/** An `activity_logs` row. `seq` orders rows (timestamps can tie); `idempotencyKey` is internal. */
export interface ActivityRow {
  seq: number;
  id: string;
  workspace_id: string;
  activity_type: string;
  source_id: string | null;
  target_id: string | null;
  method: string | null;
  summary: string | null;
  duration_ms: number | null;
  status: string;
  error_detail: string | null;
  created_at: number;
  request_body?: unknown;
  response_body?: unknown;
  tool_trace?: unknown;
  idempotencyKey?: string;
  delegationId?: string;
}

/** An `a2a_queue` row. */
export interface QueueRow {
  id: string;
  workspaceId: string;
  callerId: string | null;
  envelope: Record<string, unknown>;
  idempotencyKey: string | null;
  attempts: number;
  status: "queued" | "dispatched" | "completed" | "failed";
  /** `enqueued_at`. */
  createdAt: number;
  lastError?: string;
  /** `dispatched_at`: set by a drain dispatch, cleared when the item goes back to the queue. */
  dispatchedAt?: number | null;
  /** `completed_at`. */
  completedAt?: number | null;
  /** `expires_at`: from `params.expires_in_seconds` of the call (`a2a_queue.go` 45-70). */
  expiresAt?: number | null;
}

/** An `agent_memories` row (content as stored: redacted, GLOBAL-escaped). */
export interface MemoryRow {
  seq: number;
  id: string;
  workspaceId: string;
  content: string;
  scope: "LOCAL" | "TEAM" | "GLOBAL";
  namespace: string;
  createdAt: number;
  /** 2026-08 (memory v2): the plugin namespace (`workspace:<id>`, `team:<id>`, `org:<id>`). */
  v2Namespace?: string;
  /** 2026-08: `fact`, `summary` or `checkpoint`. */
  kind?: string;
  /** 2026-08: `agent`, `runtime` or `user`. */
  source?: string;
  /** 2026-08: pinned rows list first. */
  pin?: boolean;
}

/** An `approval_requests` row. */
export interface ApprovalRow {
  seq: number;
  id: string;
  workspaceId: string;
  taskId: string;
  action: string;
  reason: string;
  context: unknown;
  status: "pending" | "approved" | "denied";
  decidedBy: string | null;
  decidedAt: number | null;
  createdAt: number;
  /** 2026-08: when a gated write used this approval (`approval_requests.consumed_at`). */
  consumedAt?: number | null;
}

/** Everything the emulator persists. */
export interface Snapshot {
  version: 1;
  adminToken: string;
  seq: number;
  workspaces: WorkspaceRow[];
  tokens: TokenRow[];
  secrets: Record<string, SecretRow[]>;
  activity: ActivityRow[];
  queue: QueueRow[];
  /** Absent in files written before org memories and approvals were kept. */
  memories?: MemoryRow[];
  approvals?: ApprovalRow[];
}

/** The in-memory store with indexes. */
export class Store {
  seq = 0;
  readonly workspaces = new Map<string, WorkspaceRow>();
  readonly tokensByHash = new Map<string, TokenRow>();
  readonly tokensById = new Map<string, TokenRow>();
  readonly liveTokens = new Map<string, number>();
  readonly secrets = new Map<string, Map<string, SecretRow>>();
  readonly activity = new Map<string, ActivityRow[]>();
  readonly activityById = new Map<string, ActivityRow>();
  readonly queue: QueueRow[] = [];
  /** Org memories, in insertion order (`seq`). */
  readonly memories: MemoryRow[] = [];
  /** Approval requests, in insertion order (`seq`). */
  readonly approvals: ApprovalRow[] = [];

  nextSeq(): number {
    return ++this.seq;
  }

  addToken(t: TokenRow): void {
    this.tokensByHash.set(t.hash, t);
    this.tokensById.set(t.id, t);
    if (t.revokedAt === null)
      this.liveTokens.set(t.workspaceId, (this.liveTokens.get(t.workspaceId) ?? 0) + 1);
  }

  revokeToken(t: TokenRow, now: number): void {
    if (t.revokedAt !== null) return;
    t.revokedAt = now;
    this.liveTokens.set(t.workspaceId, Math.max(0, (this.liveTokens.get(t.workspaceId) ?? 1) - 1));
  }

  liveTokenCount(workspaceId: string): number {
    return this.liveTokens.get(workspaceId) ?? 0;
  }

  tokensOf(workspaceId: string): TokenRow[] {
    const out: TokenRow[] = [];
    for (const t of this.tokensById.values()) if (t.workspaceId === workspaceId) out.push(t);
    return out;
  }

  addActivity(row: ActivityRow): void {
    let list = this.activity.get(row.workspace_id);
    if (list === undefined) {
      list = [];
      this.activity.set(row.workspace_id, list);
    }
    // In `seq` order: a row that commits late goes before the later rows already committed.
    const last = list[list.length - 1];
    if (last === undefined || last.seq < row.seq) list.push(row);
    else list.splice(Store.firstAfter(list, row.seq), 0, row);
    this.activityById.set(row.id, row);
  }

  removeActivity(row: ActivityRow): void {
    const list = this.activity.get(row.workspace_id);
    if (list !== undefined) {
      const i = list.indexOf(row);
      if (i >= 0) list.splice(i, 1);
    }
    this.activityById.delete(row.id);
  }

  /**
   * The index in `rows` (one workspace's activity, ascending `seq`) of the first row after `seq`:
   * a binary search (a cursor read scanned the whole log before).
   */
  static firstAfter(rows: readonly ActivityRow[], seq: number): number {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rows[mid] as ActivityRow).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  purgeWorkspace(id: string): void {
    this.workspaces.delete(id);
    for (const t of this.tokensOf(id)) {
      this.tokensById.delete(t.id);
      this.tokensByHash.delete(t.hash);
    }
    this.liveTokens.delete(id);
    this.secrets.delete(id);
    for (const r of this.activity.get(id) ?? []) this.activityById.delete(r.id);
    this.activity.delete(id);
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (this.queue[i]?.workspaceId === id) this.queue.splice(i, 1);
    // `DELETE /workspaces/:id?purge=true` deletes its memories and approvals (workspace_crud.go:477-485).
    for (const rows of [this.memories, this.approvals])
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]?.workspaceId === id) rows.splice(i, 1);
  }

  snapshot(adminToken: string): Snapshot {
    const secrets: Record<string, SecretRow[]> = {};
    for (const [id, m] of this.secrets) secrets[id] = [...m.values()];
    const activity: ActivityRow[] = [];
    for (const list of this.activity.values()) activity.push(...list);
    activity.sort((a, b) => a.seq - b.seq);
    return {
      version: 1,
      adminToken,
      seq: this.seq,
      workspaces: [...this.workspaces.values()],
      tokens: [...this.tokensById.values()],
      secrets,
      activity,
      queue: this.queue.filter((q) => q.status === "queued" || q.status === "dispatched"),
      memories: this.memories,
      approvals: this.approvals,
    };
  }

  load(s: Snapshot): void {
    this.seq = s.seq;
    for (const w of s.workspaces) this.workspaces.set(w.id, w);
    for (const t of s.tokens) this.addToken(t);
    for (const [id, rows] of Object.entries(s.secrets))
      this.secrets.set(id, new Map(rows.map((r) => [r.key, r])));
    for (const r of s.activity) this.addActivity(r);
    for (const q of s.queue) this.queue.push({ ...q, status: "queued" });
    this.memories.push(...(s.memories ?? []));
    this.approvals.push(...(s.approvals ?? []));
  }
}

/** Reads a snapshot file; undefined when it does not exist. Throws on a corrupt file. */
export async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let parsed: Snapshot;
  try {
    parsed = JSON.parse(text) as Snapshot;
  } catch (err) {
    throw new EmulatorError(
      `state file ${file} is not valid JSON: fix it, or delete it to start with an empty org`,
      { code: "invalid_state_file", cause: err },
    );
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.workspaces))
    throw new EmulatorError(
      `state file ${file} is not an emulator state file (version 1): pass another --state-file, or delete it to start with an empty org`,
      { code: "invalid_state_file" },
    );
  return parsed;
}

/** Writes a snapshot atomically: a temp file in the same directory, then rename. */
export async function writeSnapshot(file: string, s: Snapshot): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(s), { mode: 0o600 });
  await rename(tmp, file);
}
