// A `since_secs` window read as the August-2026 server answers it: newest first without
// `since_id`, oldest first after one, `before_ts` strictly older, `since_secs` a positive integer
// (enteros-core aeec8e47 workspace-server/internal/handlers/activity.go, `List`). The stub below
// orders and filters exactly as that handler's SQL does, on rows that share instants (ties broken
// by `seq`), so the reader is checked on what the real server does, not on the emulator's order.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";
import { PAGE_BYTES } from "../src/platform/activity.js";

interface Row {
  id: string;
  seq: number;
  /** Microseconds since the epoch (the server's timestamp precision). */
  micros: bigint;
}

const WS = "3c0a5c52-1d4e-4f8a-9c1e-2a3b4c5d6e7f";
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

function iso(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = (micros % 1_000_000n).toString().padStart(6, "0");
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

function microsOf(text: string): bigint {
  const m = /\.(\d{1,9})/.exec(text);
  const whole = BigInt(Date.parse(text.replace(/\.\d+/, ""))) * 1000n;
  return whole + (m ? BigInt(m[1]!.padEnd(6, "0").slice(0, 6)) : 0n);
}

/** The handler's ordering key, `(created_at, seq)`. */
const cmp = (a: Row, b: Row): number =>
  a.micros !== b.micros ? (a.micros < b.micros ? -1 : 1) : a.seq - b.seq;

/** A platform answering `GET /workspaces/:id/activity` as activity.go `List` does. */
async function augustActivity(
  rows: Row[],
  fault?: (q: URLSearchParams) => { status: number; error: string } | undefined,
  /** Text added to every row's message (a large message). */
  pad = "",
) {
  const queries: URLSearchParams[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== `/workspaces/${WS}/activity`) return send(404, { error: "not found" });
    const q = url.searchParams;
    queries.push(q);
    const failed = fault?.(q);
    if (failed) return send(failed.status, { error: failed.error });
    const limit = Math.min(Number(q.get("limit") ?? 100) || 100, 500);
    let out = [...rows];
    const sinceSecs = q.get("since_secs");
    if (sinceSecs !== null) {
      const n = Number(sinceSecs);
      if (!Number.isInteger(n) || n <= 0)
        return send(400, { error: "since_secs must be a positive integer" });
    }
    const beforeTs = q.get("before_ts");
    if (beforeTs !== null) {
      if (Number.isNaN(Date.parse(beforeTs)))
        return send(400, { error: "before_ts must be an RFC3339 timestamp" });
      const t = microsOf(beforeTs);
      out = out.filter((r) => r.micros < t);
    }
    const sinceId = q.get("since_id");
    if (sinceId !== null) {
      const cursor = rows.find((r) => r.id === sinceId);
      if (!cursor)
        return send(410, {
          error:
            "since_id cursor not found (row may have been pruned or belongs to a different workspace); omit since_id to reset",
        });
      out = out.filter((r) => cmp(r, cursor) > 0).sort(cmp);
    } else {
      out = out.sort((a, b) => cmp(b, a));
    }
    send(
      200,
      out.slice(0, limit).map((r) => ({
        id: r.id,
        workspace_id: WS,
        activity_type: "a2a_receive",
        source_id: null,
        method: "message/send",
        status: "ok",
        created_at: iso(r.micros),
        seq: r.seq,
        request_body: {
          params: { message: { role: "user", parts: [{ kind: "text", text: r.id + pad }] } },
        },
      })),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const port = (server.address() as AddressInfo).port;
  const client = new PlatformClient({
    platformUrl: `http://127.0.0.1:${port}`,
    workspaceId: WS,
    token: "t0k3n-for-the-stub",
  });
  cleanups.push(() => client.close());
  return { client, queries };
}

/** `n` rows from a base time; every third shares its predecessor's microsecond (ties by seq). */
function backlog(n: number): Row[] {
  const base = BigInt(Date.now() - 60_000) * 1000n;
  const rows: Row[] = [];
  let t = base;
  for (let i = 0; i < n; i++) {
    if (i % 3 !== 2) t += 137n;
    rows.push({ id: `msg-${String(i).padStart(4, "0")}`, seq: i + 1, micros: t });
  }
  return rows;
}

/** Reads the window, then pages forward with `since_id` while `hasMore`, as the poll loop does. */
async function readAll(client: PlatformClient, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let page = await client.fetchActivityRows({ sinceSecs: 3600, limit });
  ids.push(...page.rows.map((r) => r.id));
  while (page.hasMore) {
    page = await client.fetchActivityRows({ sinceId: page.nextCursor, limit });
    ids.push(...page.rows.map((r) => r.id));
  }
  return ids;
}

describe("a since_secs window on the August-2026 server (newest first without a cursor)", () => {
  it("150 queued, pages of 100: all 150 read once, oldest first", async () => {
    const rows = backlog(150);
    const { client } = await augustActivity(rows);
    expect(await readAll(client, 100)).toEqual(rows.map((r) => r.id));
  });

  it("5 queued: all 5, oldest first (not reversed)", async () => {
    const rows = backlog(5);
    const { client } = await augustActivity(rows);
    const page = await client.fetchActivityRows({ sinceSecs: 3600 });
    expect(page.rows.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(page.hasMore).toBe(false);
  });

  it("pages of 2 over rows sharing microseconds: each row once, in (created_at, seq) order", async () => {
    const rows = backlog(23);
    const { client } = await augustActivity(rows);
    expect(await readAll(client, 2)).toEqual(rows.map((r) => r.id));
  });

  it("the first page handed on starts at the window's oldest row; only one page is kept while walking back", async () => {
    const rows = backlog(1000);
    const { client, queries } = await augustActivity(rows);
    const page = await client.fetchActivityRows({ sinceSecs: 3600, limit: 100 });
    const ids = page.rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(100);
    expect(ids).toEqual(rows.slice(0, ids.length).map((r) => r.id));
    expect(page.hasMore).toBe(true);
    // Walked back page by page with before_ts, every query inside the window.
    expect(queries.filter((q) => q.has("before_ts")).length).toBeGreaterThanOrEqual(9);
    const reads = queries.filter((q) => !q.has("since_id"));
    expect(reads.every((q) => q.get("since_secs") === "3600")).toBe(true);
    // The sender's registry name is asked of the server, not guessed.
    expect(reads.every((q) => q.get("include") === "peer_info")).toBe(true);
  });

  it("sinceSecs 0 is sent as 1 (the server refuses 0 with a 400)", async () => {
    const { client, queries } = await augustActivity(backlog(0));
    const page = await client.fetchActivityRows({ sinceSecs: 0 });
    expect(page.rows).toEqual([]);
    expect(queries.at(-1)?.get("since_secs")).toBe("1");
  });

  it("a walk page that fails with a 500 is asked again: the pages before it are not read twice", async () => {
    const rows = backlog(550);
    let failures = 0;
    const pagesBack = new Set<string>();
    const { client, queries } = await augustActivity(rows, (q) => {
      const before = q.get("before_ts");
      if (before === null) return undefined;
      pagesBack.add(before);
      // The third page back fails twice, then answers.
      if (pagesBack.size === 3 && failures < 2) {
        failures++;
        return { status: 500, error: "database connection lost" };
      }
      return undefined;
    });
    const page = await client.fetchActivityRows({ sinceSecs: 3600, limit: 100 });
    expect(page.rows.map((r) => r.id)).toEqual(rows.slice(0, page.rows.length).map((r) => r.id));
    expect(failures).toBe(2);
    // Each page asked once, the failing one three times: no page before it was read again.
    const asked = queries.flatMap((q) => q.get("before_ts") ?? []);
    expect(asked.length - new Set(asked).size).toBe(2);
  });

  it("a walk page the platform answers 410 (workspace removed) fails the read at once", async () => {
    const { client, queries } = await augustActivity(backlog(550), (q) =>
      q.has("before_ts") ? { status: 410, error: "workspace removed" } : undefined,
    );
    await expect(client.fetchActivityRows({ sinceSecs: 3600, limit: 100 })).rejects.toMatchObject({
      code: "workspace_removed",
    });
    expect(queries.filter((q) => q.has("before_ts")).length).toBe(1);
  });
});

/** The bytes of rows as JSON. */
const bytesOf = (rows: unknown[]): number =>
  rows.reduce<number>((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0);

describe("pages of large rows are held to PAGE_BYTES (issue 101)", () => {
  const big = "x".repeat(512 * 1024);

  it("40 rows of 512 KiB: read once each, oldest first, no page over PAGE_BYTES and one row", async () => {
    const rows = backlog(40);
    const { client, queries } = await augustActivity(rows, undefined, big);
    const ids: string[] = [];
    let page = await client.fetchActivityRows({ sinceSecs: 3600 });
    let largest = bytesOf(page.rows);
    ids.push(...page.rows.map((r) => r.id));
    while (page.hasMore) {
      page = await client.fetchActivityRows({ sinceId: page.nextCursor });
      largest = Math.max(largest, bytesOf(page.rows));
      ids.push(...page.rows.map((r) => r.id));
    }
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(largest).toBeLessThanOrEqual(PAGE_BYTES + 600 * 1024);
    // After the first cut page, a page asks for as many rows as fit (not 100 to read 8).
    const limits = queries.filter((q) => q.has("since_id")).map((q) => Number(q.get("limit")));
    expect(Math.max(...limits.slice(1))).toBeLessThanOrEqual(Math.ceil(PAGE_BYTES / big.length));
  });

  it("rows the reader knows come without their bodies, and do not fill the page", async () => {
    const rows = backlog(30);
    const { client } = await augustActivity(rows, undefined, big);
    const known = new Set(rows.slice(1, 21).map((r) => r.id));
    const page = await client.fetchActivityRows({
      sinceId: rows[0]!.id,
      known: (id) => known.has(id),
    });
    const placed = page.rows.filter((r) => r.request_body === undefined).map((r) => r.id);
    expect(placed).toEqual([...known]);
    // The 20 known rows are placed only: the page goes on to new rows (whole) after them.
    const whole = page.rows.filter((r) => r.request_body !== undefined);
    expect(whole.length).toBeGreaterThan(0);
    expect(whole[0]!.id).toBe(rows[21]!.id);
    expect(page.hasMore).toBe(true);
  });
});
