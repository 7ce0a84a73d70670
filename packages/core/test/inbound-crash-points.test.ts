// A crash at any point of the poll loop loses nothing. One instrumented run records, at every point
// where a process can die (each fetch answered or refused with 410, before and after each state
// save, between the sidecar and the cursor-file write of a save, each handler start and end), the
// files a kill -9 would leave (the cursor file, the sidecar and its journal) and the handler
// effects done so far. Each of those crash states is
// then resumed by a fresh agent: every message must end up handled, and a message handled before
// the crash and again after it must be flagged `redelivered`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { FileCursorStore, PlatformClient, RemoteAgent } from "../src/index.js";
import type { AgentPlatformClient, InboundMessage } from "../src/index.js";
import type { CursorState } from "../src/public/store.js";

/** The id of the last message row of a workspace (its log also holds the agents' checkpoints). */
function lastMessageRow(workspaceId: string): unknown {
  return emu
    .activity(workspaceId)
    .filter((r) => r["activity_type"] === "a2a_receive")
    .at(-1)?.["id"];
}

/**
 * What a kill -9 leaves: the files of the store (the cursor file, the sidecar, its journal), by
 * name, and the effects of finished handlers.
 */
interface CrashState {
  point: string;
  files: Record<string, string>;
  handled: string[];
}

const N = 10;
let emu: Emulator;
let root: string;
beforeAll(async () => {
  emu = await startEmulator();
  root = mkdtempSync(join(tmpdir(), "crash-points-"));
});
afterAll(async () => {
  await emu.close();
  rmSync(root, { recursive: true, force: true });
});

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The files of the store in `dir`: the cursor file last (every other file is renamed or appended
 * before the cursor file is rewritten, so this order never reads a newer cursor file with older
 * state).
 */
function storeFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort(
    (x, y) => Number(x === "cursor") - Number(y === "cursor"),
  )) {
    const text = read(join(dir, name));
    if (text !== undefined) files[name] = text;
  }
  return files;
}

/** The state a fresh store loads from `state`'s files. */
async function loaded(state: CrashState): Promise<CursorState | undefined> {
  const dir = mkdtempSync(join(root, "load-"));
  for (const [name, text] of Object.entries(state.files)) writeFileSync(join(dir, name), text);
  return await new FileCursorStore(join(dir, "cursor")).load();
}

async function workspace(): Promise<{ id: string; client: PlatformClient }> {
  const a = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
  const p = await emu.admin.createWorkspace({ name: "peer", deliveryMode: "poll" });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  for (let i = 0; i < N; i++) await peer.callPeer(a.id, `m${i}`);
  await peer.close();
  return {
    id: a.id,
    client: new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! }),
  };
}

function agentOn(client: AgentPlatformClient, store: FileCursorStore, handler: RemoteAgentHandler) {
  return new RemoteAgent({
    client,
    cursorStore: store,
    handler,
    pollLimit: 4,
    pollIntervalMs: 60_000,
  });
}
type RemoteAgentHandler = (m: InboundMessage, ctx: { redelivered: boolean }) => Promise<void>;

/** `client`, calling `after(label)` once each activity fetch has answered (or failed). */
function instrument(client: PlatformClient, after: (label: string) => void): AgentPlatformClient {
  return {
    workspaceId: client.workspaceId,
    register: (o) => client.register(o),
    heartbeat: (r, o) => client.heartbeat(r, o),
    getState: (o) => client.getState(o),
    capabilities: (o) => client.capabilities(o),
    reply: (m, t, o) => client.reply(m, t, o),
    fetchActivityRows: async (o) => {
      try {
        const page = await client.fetchActivityRows(o);
        after("fetched");
        return page;
      } catch (err) {
        after(`fetch failed (${(err as { status?: number }).status})`);
        throw err;
      }
    },
  };
}

/** Runs the scenario once from `initial`, recording every crash state on the way. */
async function record(
  client: PlatformClient,
  initial: CursorState | undefined,
): Promise<CrashState[]> {
  const dir = mkdtempSync(join(root, "run-"));
  const store = new FileCursorStore(join(dir, "cursor"));
  if (initial) await store.save(initial);
  const handled: string[] = [];
  const states: CrashState[] = [];
  const snap = (point: string): void => {
    states.push({ point, files: storeFiles(dir), handled: [...handled] });
  };
  const save = store.save.bind(store);
  store.save = async (s) => {
    snap("before save");
    const cursorBefore = read(store.path);
    await save(s);
    // Killed between the sidecar's rename and the cursor file's (a save that wrote a new sidecar).
    const files = storeFiles(dir);
    delete files["cursor"];
    if (cursorBefore !== undefined) files["cursor"] = cursorBefore;
    states.push({ point: "mid save", files, handled: [...handled] });
    snap("after save");
  };
  const instrumented = instrument(client, snap);
  const agent = agentOn(instrumented, store, async (m) => {
    snap(`handler start ${m.text}`);
    await new Promise((r) => setImmediate(r));
    handled.push(m.text);
    snap(`handler end ${m.text}`);
  });
  await agent.start();
  await waitFor(() => handled.length === N, { timeoutMs: 30_000 });
  await waitFor(() => agent.cursor === lastMessageRow(client.workspaceId));
  await agent.stop();
  expect(new Set(handled).size).toBe(N);
  return states;
}

/** Restarts from a crash state; returns what the new run handled, with the redelivered flag. */
async function resume(client: PlatformClient, state: CrashState): Promise<Map<string, boolean[]>> {
  const dir = mkdtempSync(join(root, "resume-"));
  const store = new FileCursorStore(join(dir, "cursor"));
  for (const [name, text] of Object.entries(state.files)) writeFileSync(join(dir, name), text);
  const runs = new Map<string, boolean[]>();
  // Each resume is one possible future of the crash, not the next run: through a client without
  // `reportActivity`, it neither writes nor reads activity-log checkpoints (each future's stop()
  // would otherwise leave one the next future reads); this test is about the store's files.
  const agent = agentOn(
    instrument(client, () => {}),
    store,
    async (m, ctx) => {
      runs.set(m.text, [...(runs.get(m.text) ?? []), ctx.redelivered]);
    },
  );
  await agent.start();
  const all = Array.from({ length: N }, (_, i) => `m${i}`);
  try {
    await waitFor(() => all.every((t) => runs.has(t) || state.handled.includes(t)), {
      timeoutMs: 30_000,
    });
    await waitFor(() => agent.cursor === lastMessageRow(client.workspaceId));
  } catch {
    // Not everything arrived: check() names what was lost.
  } finally {
    await agent.stop();
  }
  return runs;
}

function check(state: CrashState, runs: Map<string, boolean[]>): void {
  const where = `crash at "${state.point}" (handled before: ${state.handled.join(",") || "none"})`;
  for (let i = 0; i < N; i++) {
    const t = `m${i}`;
    expect(runs.has(t) || state.handled.includes(t), `${t} lost after a ${where}`).toBe(true);
    expect(
      runs.get(t)?.length ?? 0,
      `${t} handled twice in one run after a ${where}`,
    ).toBeLessThanOrEqual(1);
    const again = state.handled.includes(t) ? (runs.get(t) ?? []) : [];
    expect(again, `${t} handled again without redelivered after a ${where}`).not.toContain(false);
  }
}

describe("a crash at any point of the poll loop loses nothing", () => {
  it("after a 410: the pruned cursor is kept until the re-read settles, at every crash point", async () => {
    const { client } = await workspace();
    // The stored cursor's row was pruned by retention: the platform answers 410 for it.
    const initial: CursorState = {
      cursor: "00000000-0000-4000-8000-00000000dead",
      cursorAt: new Date(emu.now() - 60_000).toISOString(),
    };
    const states = await record(client, initial);
    expect(states.some((s) => s.point === "fetch failed (410)")).toBe(true);
    // The persisted cursor is never dropped: the pruned one stays until a re-read message settles.
    const cursors: Array<CursorState | undefined> = [];
    for (const state of states) cursors.push(await loaded(state));
    expect(cursors.every((c) => c?.cursor !== undefined && c.cursorAt !== undefined)).toBe(true);
    const firstNew = cursors.findIndex((c) => c?.cursor !== initial.cursor);
    expect(firstNew).toBeGreaterThan(0);
    expect(states[firstNew - 1]!.handled.length).toBeGreaterThan(0);
    for (const state of states) check(state, await resume(client, state));
    await client.close();
  }, 120_000);

  it("after a 410: a graceful stop() after each fetch of the re-read loses nothing either", async () => {
    const { client } = await workspace();
    const initial: CursorState = {
      cursor: "00000000-0000-4000-8000-00000000dead",
      cursorAt: new Date(emu.now() - 60_000).toISOString(),
    };
    let steps = 0;
    for (let k = 1; ; k++) {
      const dir = mkdtempSync(join(root, "stop-"));
      const store = new FileCursorStore(join(dir, "cursor"));
      await store.save(initial);
      const handled: string[] = [];
      let fetches = 0;
      let stopped = false;
      const agent = agentOn(
        instrument(client, () => {
          if (++fetches === k) {
            stopped = true;
            void agent.stop(); // stop right after the k-th fetch answered
          }
        }),
        store,
        async (m) => void handled.push(m.text),
      );
      await agent.start();
      const all = lastMessageRow(client.workspaceId);
      await waitFor(() => stopped || (handled.length === N && agent.cursor === all), {
        timeoutMs: 30_000,
      });
      if (!stopped) {
        await agent.stop(); // the re-read needed fewer than k fetches: every step was covered
        break;
      }
      steps++;
      expect((await agent.done).reason).toBe("stopped");
      const state: CrashState = {
        point: `stop() after fetch ${k}`,
        files: storeFiles(dir),
        handled,
      };
      expect((await loaded(state))?.cursor).toBeDefined(); // never dropped
      expect(state.files["cursor"]).toBe((await loaded(state))?.cursor); // current after stop()
      check(state, await resume(client, state));
    }
    expect(steps).toBeGreaterThanOrEqual(4); // the 410, the window, and its pages
    await client.close();
  }, 120_000);

  it("during a first-start backfill, at every crash point", async () => {
    const { client } = await workspace();
    const states = await record(client, undefined);
    expect(states.length).toBeGreaterThan(3 * N);
    for (const state of states) check(state, await resume(client, state));
    await client.close();
  }, 120_000);
});
