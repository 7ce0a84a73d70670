/* oxlint-disable typescript/no-explicit-any */
// Late commits (`commitDelay`, `lateCommits`): an activity row's `created_at` and `seq` are fixed
// when it is written, and it becomes visible (to every read and as `ACTIVITY_LOGGED`) only when it
// commits, so a `since_id` reader that moved past a later row never sees it: the loss seen on the
// real server (`activity.go` 518-541 and 1091-1222 at enteros-core aeec8e47). Off, nothing changes.
import { afterEach, describe, expect, it } from "vitest";
import { parseCli } from "../src/cli-options.js";
import type { Emulator, EmulatorOptions } from "../src/index.js";
import { emulator, envelope, makeWs, req, type Ws } from "./helpers.js";

/** Every SSE event of a workspace's stream, as it arrives; `until(pred)` waits for one. */
async function collect(emu: Emulator, ws: Ws) {
  const ctl = new AbortController();
  const res = await fetch(`${emu.url}/workspaces/${ws.id}/events/stream`, {
    headers: { Authorization: `Bearer ${ws.token}` },
    signal: ctl.signal,
  });
  const events: any[] = [];
  let wake: (() => void) | undefined;
  void (async () => {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      const frames = buf.split("\n\n");
      buf = frames.pop() ?? "";
      for (const f of frames) {
        const line = f.split("\n").find((l) => l.startsWith("data: "));
        if (line !== undefined) events.push(JSON.parse(line.slice(6)));
      }
      wake?.();
    }
  })().catch(() => undefined);
  return {
    events,
    /** The summaries of the `ACTIVITY_LOGGED` events so far, in the order sent. */
    logged: (): string[] =>
      events.filter((e) => e.type === "ACTIVITY_LOGGED").map((e) => e.data.summary),
    async until(pred: () => boolean): Promise<void> {
      while (!pred()) await new Promise<void>((w) => (wake = w));
    },
    close: () => ctl.abort(),
  };
}

/**
 * A hook that holds the row `late` picks (default: the summary `"late"`) until `release()`;
 * `written` resolves with that row (wire shape) once written (its `created_at` and `seq` fixed).
 */
function holdLate(late = (row: Record<string, unknown>): boolean => row["summary"] === "late") {
  let wrote!: (row: Record<string, unknown>) => void;
  let release!: () => void;
  const written = new Promise<Record<string, unknown>>((r) => {
    wrote = r;
  });
  const held = new Promise<void>((r) => {
    release = r;
  });
  const commitDelay: NonNullable<EmulatorOptions["commitDelay"]> = (row) => {
    if (!late(row)) return 0;
    wrote(row);
    return held;
  };
  return { commitDelay, written, release: () => release() };
}

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const post = (e: Emulator, ws: Ws, summary: string) =>
  req(e, "POST", `/workspaces/${ws.id}/activity`, {
    token: ws.token,
    body: { activity_type: "agent_log", summary },
  });

const list = async (e: Emulator, ws: Ws, query: string): Promise<any[]> => {
  const r = await req(e, "GET", `/workspaces/${ws.id}/activity?type=agent_log&${query}`, {
    token: ws.token,
  });
  expect(r.status).toBe(200);
  return r.json as any[];
};

describe.each(["2026-05", "latest"] as const)("compat %s: since_id readers", (compat) => {
  it("a reader whose cursor passed a later row never sees the row that commits late; since_secs and since_id before both do", async () => {
    let t = Date.UTC(2026, 10, 27, 3, 0, 0);
    const hold = holdLate();
    emu = await emulator({ compat, clock: { now: () => t }, commitDelay: hold.commitDelay });
    const a = await makeWs(emu, "writer");
    expect((await post(emu, a, "first")).status).toBe(200);
    const first = (await list(emu, a, "since_secs=60"))[0];
    expect(first.summary).toBe("first");
    t += 1;
    const latePost = post(emu, a, "late");
    await hold.written;
    t += 1;
    expect((await post(emu, a, "after")).status).toBe(200);

    // The reader polls while "late" is uncommitted: it sees "after" and moves its cursor there.
    const seen = await list(emu, a, `since_id=${first.id}`);
    expect(seen.map((r) => r.summary)).toEqual(["after"]);
    expect((await list(emu, a, "since_secs=60")).map((r) => r.summary)).not.toContain("late");
    expect(emu.activity(a.id).map((r) => r["summary"])).not.toContain("late");
    const cursor = seen[0];

    hold.release();
    expect((await latePost).status).toBe(200); // answered once committed
    // Committed, but before the cursor: lost to this reader for good.
    expect(await list(emu, a, `since_id=${cursor.id}`)).toEqual([]);
    // Its created_at and seq are those of its write: before "after".
    const fromFirst = await list(emu, a, `since_id=${first.id}`);
    expect(fromFirst.map((r) => r.summary)).toEqual(["late", "after"]);
    const late = fromFirst[0];
    expect(Date.parse(late.created_at)).toBeLessThan(Date.parse(cursor.created_at));
    expect(compat !== "latest" || late.seq < cursor.seq).toBe(true);
    // A window read sees it once committed (newest first on 2026-08, oldest first on 2026-05).
    const window = (await list(emu, a, "since_secs=60")).map((r) => r.summary);
    expect(window).toEqual(
      compat === "latest" ? ["after", "late", "first"] : ["first", "late", "after"],
    );
    expect(
      emu
        .activity(a.id)
        .map((r) => r["summary"])
        .filter((s) => s !== null),
    ).toEqual(expect.arrayContaining(["first", "late", "after"]));
  });
});

/** The text of the message an `a2a_receive` row stores. */
const text = (row: any): unknown => row.request_body?.params?.message?.parts?.[0]?.text;

describe("compat latest: rows the platform writes", () => {
  it("a call stored for a poll workspace commits late the same way: its reader's cursor skips it", async () => {
    const hold = holdLate((row) => text(row) === "late");
    emu = await emulator({ commitDelay: hold.commitDelay });
    const reader = await makeWs(emu, "reader");
    const caller = await makeWs(emu, "caller");
    const stream = await collect(emu, reader);
    const call = async (t: string): Promise<void> => {
      const r = await req(emu as Emulator, "POST", `/workspaces/${reader.id}/a2a`, {
        body: envelope(t),
        token: caller.token,
      });
      expect(r.json?.status).toBe("queued");
    };
    const inbox = async (query: string): Promise<unknown[]> => {
      const r = await req(emu as Emulator, "GET", `/workspaces/${reader.id}/activity?${query}`, {
        token: reader.token,
      });
      return (r.json as any[]).filter((row) => row.activity_type === "a2a_receive").map(text);
    };
    await call("first");
    const first = (
      await req(emu, "GET", `/workspaces/${reader.id}/activity?since_secs=60`, {
        token: reader.token,
      })
    ).json[0];
    await call("late");
    const late = await hold.written;
    await call("after");
    expect(await inbox(`since_id=${first.id}`)).toEqual(["after"]);
    const after = emu.activity(reader.id).at(-1) as Record<string, unknown>;
    hold.release();
    await stream.until(() => stream.events.some((e) => e.data?.id === late["id"]));
    expect(await inbox(`since_id=${String(after["id"])}`)).toEqual([]);
    expect(await inbox(`since_id=${first.id}`)).toEqual(["late", "after"]);
    expect(await inbox("since_secs=60")).toEqual(["after", "late", "first"]);
    stream.close();
  });
});

describe.each(["2026-04", "2026-05", "latest"] as const)("compat %s: events", (compat) => {
  it("ACTIVITY_LOGGED is sent when the row commits, not when it is written", async () => {
    const hold = holdLate();
    emu = await emulator({ compat, commitDelay: hold.commitDelay });
    const a = await makeWs(emu, "events");
    const stream = await collect(emu, a);
    const latePost = post(emu, a, "late");
    await hold.written;
    expect((await post(emu, a, "after")).status).toBe(200);
    await stream.until(() => stream.logged().includes("after"));
    expect(stream.logged()).not.toContain("late");
    expect((await list(emu, a, "")).map((r) => r.summary)).toEqual(["after"]);
    hold.release();
    await stream.until(() => stream.logged().includes("late"));
    expect(stream.logged().filter((s) => s === "late" || s === "after")).toEqual(["after", "late"]);
    expect((await latePost).status).toBe(200);
    // Every read lists it in write order (newest first without a cursor).
    expect((await list(emu, a, "")).map((r) => r.summary)).toEqual(["after", "late"]);
    const rows = emu.activity(a.id).filter((r) => r["activity_type"] === "agent_log");
    expect(rows.map((r) => r["summary"])).toEqual(["late", "after"]);
    stream.close();
  });

  it("close() commits the rows still held", async () => {
    const hold = holdLate();
    emu = await emulator({ compat, commitDelay: hold.commitDelay });
    const a = await makeWs(emu, "held");
    const latePost = post(emu, a, "late").catch(() => undefined);
    await hold.written;
    await emu.close();
    await latePost;
    expect(emu.activity(a.id).map((r) => r["summary"])).toContain("late");
  });
});

describe("default: rows commit at once", () => {
  it.each(["2026-04", "latest"] as const)(
    "compat %s: a row is listed as soon as its POST answers, events in write order",
    async (compat) => {
      emu = await emulator({ compat });
      const a = await makeWs(emu, "plain");
      const stream = await collect(emu, a);
      for (const s of ["one", "two", "three"]) {
        expect((await post(emu, a, s)).status).toBe(200);
        expect((await list(emu, a, ""))[0].summary).toBe(s);
      }
      await stream.until(() => stream.logged().includes("three"));
      const mine = stream.logged().filter((s) => ["one", "two", "three"].includes(s));
      expect(mine).toEqual(["one", "two", "three"]);
      stream.close();
    },
  );
});

describe("lateCommits (random)", () => {
  it("a burst of concurrent writes commits out of seq order, each POST answering once committed", async () => {
    emu = await emulator({ lateCommits: { maxDelayMs: 100, seed: 42 } });
    const a = await makeWs(emu, "burst");
    const stream = await collect(emu, a);
    const names = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const answers = await Promise.all(names.map((n) => post(emu as Emulator, a, n)));
    expect(answers.map((r) => r.status)).toEqual(names.map(() => 200));
    // Every row is visible once its POST answered; in the store's (seq) order.
    const rows = emu.activity(a.id).filter((r) => r["activity_type"] === "agent_log");
    expect(rows).toHaveLength(30);
    const bySeq = rows.map((r) => r["summary"]);
    const seqs = rows.map((r) => r["seq"] as number);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    await stream.until(() => stream.logged().filter((s) => s.startsWith("burst-")).length === 30);
    const committed = stream.logged().filter((s) => s.startsWith("burst-"));
    expect(committed.sort()).toEqual([...bySeq].sort());
    expect(stream.logged().filter((s) => s.startsWith("burst-"))).not.toEqual(bySeq);
    stream.close();
  });

  it("refuses bad settings (invalid_argument)", async () => {
    await expect(emulator({ lateCommits: { maxDelayMs: 0 } })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(
      emulator({ lateCommits: { maxDelayMs: 10, probability: 2 } }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      emulator({ lateCommits: { maxDelayMs: 10 }, commitDelay: () => 0 }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it("--late-commits, --late-commits-probability and --late-commits-seed", () => {
    expect(parseCli([]).emulator.lateCommits).toBeUndefined();
    expect(
      parseCli([
        "--late-commits",
        "200",
        "--late-commits-probability",
        "0.25",
        "--late-commits-seed",
        "7",
      ]).emulator.lateCommits,
    ).toEqual({ maxDelayMs: 200, probability: 0.25, seed: 7 });
    expect(parseCli(["--late-commits", "50"]).emulator.lateCommits).toEqual({ maxDelayMs: 50 });
    for (const bad of [
      ["--late-commits", "0"],
      ["--late-commits", "10", "--late-commits-probability", "1.5"],
      ["--late-commits-seed", "3"],
    ])
      expect(() => parseCli(bad)).toThrow(/late-commits/);
  });
});
