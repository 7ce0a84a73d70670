// A poll agent takes a peer's message from its event stream when the platform's event carries the
// row's body (since 2026-05: `request_body` in `ACTIVITY_LOGGED`) and names its sender as a read
// row's is: it runs with no read of the activity, journaled in flight (saved) before its handler
// starts, and answered once; the read that later brings its row runs it no more. A sender the
// agent cannot name yet waits for the read (which the platform names), as does everything under
// a paused workspace.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { FileCursorStore, fileStore, RemoteAgent } from "../src/index.js";
import type { InboundMessage } from "../src/index.js";
import type { CursorState } from "../src/inbound/index.js";
import { pollClients } from "./fixtures/poll-client.js";
import { PollSource } from "../src/agent/source/poll-source.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  vi.restoreAllMocks();
});

async function setUp() {
  const emu = await startEmulator({ ui: false, compat: "2026-08" });
  cleanups.push(() => emu.close());
  const client = pollClients(emu, cleanups);
  const [asker, answerer] = [await client("asker"), await client("answerer")];
  const dir = await mkdtemp(join(tmpdir(), "questions-announced-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const statePath = join(dir, "inbound.json");
  // What the agent's store holds on disk, as a restart would load it.
  const saved = async (): Promise<CursorState> =>
    (await new FileCursorStore(statePath).load()) ?? {};
  const handled: Array<{ msg: InboundMessage; journaled: boolean }> = [];
  const streams = vi.spyOn(PollSource.prototype, "onStatus");
  const agent = new RemoteAgent({
    client: answerer,
    store: fileStore(statePath),
    logger: {},
    handler: async (msg) => {
      // Its in-flight entry is on disk before the handler starts.
      const inFlight = (await saved()).inFlight ?? [];
      handled.push({ msg, journaled: inFlight.some((e) => e.messageId === msg.messageId) });
      return `answer to ${msg.text}`;
    },
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  await waitFor(() => streams.mock.calls.some(([up]) => up));
  const reads = vi.spyOn(answerer, "fetchActivityRows");
  // The connect's catch-up read is done before the questions come.
  await waitFor(() => reads.mock.settledResults.every((r) => r.type !== "incomplete"));
  return { emu, asker, answerer, reads, handled, saved, streams };
}

it("runs a named peer's message from the event stream: no read, journaled first, answered once", async () => {
  const { asker, answerer, reads, handled, saved, streams } = await setUp();
  await answerer.listPeers(); // the agent knows its peer's registry name
  const before = reads.mock.calls.length;
  const texts = ["q0", "q1", "q2", "q3", "q4", "q5"];
  const sent = await Promise.all(texts.map((t) => asker.callPeer(answerer.workspaceId, t)));
  await waitFor(() => handled.length === texts.length);
  expect(reads.mock.calls.length).toBe(before); // none was read
  expect(handled.map((h) => h.msg.text).sort()).toEqual(texts);
  for (const h of handled) {
    expect(h.journaled).toBe(true);
    expect(h.msg.activityId).toBeUndefined(); // taken from the event, not its row
    expect(h.msg.sourceId).toBe(asker.workspaceId); // the sender the platform authenticated
    expect(h.msg.peerName).toBe("asker");
  }
  // Answered once each, as the platform de-duplicates answers (their messageIds).
  const answered = await waitFor(async () => {
    const rows = (await asker.fetchActivityRows({})).rows ?? [];
    const mine = rows.filter((r) => r.source_id === answerer.workspaceId);
    return mine.length === texts.length ? mine : undefined;
  });
  expect(answered).toHaveLength(texts.length);
  for (const r of sent) expect(r.status).toBe("queued");
  // The settled messages are saved as seen; a read that brings their rows runs none again.
  expect((await saved()).seenMessageIds).toHaveLength(texts.length);
  const source = streams.mock.contexts[0] as PollSource;
  const reading = reads.mock.calls.length;
  source.wake();
  await waitFor(
    () =>
      reads.mock.calls.length > reading &&
      reads.mock.settledResults.every((r) => r.type !== "incomplete"),
  );
  const rows = await reads.mock.results.at(-1)!.value;
  expect((rows as { rows: unknown[] }).rows.length).toBeGreaterThanOrEqual(texts.length);
  await waitFor(async () => (await saved()).cursor !== undefined);
  expect(handled).toHaveLength(texts.length);
});

it("a sender it cannot name yet waits for the read, which the platform names", async () => {
  const { asker, answerer, reads, handled } = await setUp();
  const before = reads.mock.calls.length;
  await asker.callPeer(answerer.workspaceId, "first");
  await waitFor(() => handled.length === 1);
  expect(reads.mock.calls.length).toBeGreaterThan(before);
  expect(handled[0]!.msg.activityId).toBeDefined(); // read from its row
  expect(handled[0]!.msg.peerName).toBe("asker");
  // The row's name taught the agent its sender: the next message comes from the stream.
  const after = reads.mock.calls.length;
  await asker.callPeer(answerer.workspaceId, "second");
  await waitFor(() => handled.length === 2);
  expect(handled[1]!.msg.activityId).toBeUndefined();
  expect(handled[1]!.msg.peerName).toBe("asker");
  expect(reads.mock.calls.length).toBe(after);
});

it("messages from a sender it cannot name, announced while its read waits, come with that read: no read after it for them", async () => {
  const { emu, asker, answerer, reads, handled } = await setUp();
  // The read waits a second on the platform (as for a turn of a spent rate budget): every message
  // is logged and announced before it reads the log, and each announcement woke the poll.
  emu.injectFault({
    method: "GET",
    path: `/workspaces/${answerer.workspaceId}/activity`,
    delayMs: 1_000,
  });
  const before = reads.mock.calls.length;
  const texts = ["q0", "q1", "q2", "q3", "q4"];
  for (const t of texts) await asker.callPeer(answerer.workspaceId, t);
  await waitFor(() => handled.length === texts.length);
  // Their answers are logged in the asker's inbox (a read owed would have been sent by then).
  await waitFor(async () => {
    const rows = (await asker.fetchActivityRows({})).rows ?? [];
    return rows.filter((r) => r.source_id === answerer.workspaceId).length === texts.length;
  });
  await waitFor(() => reads.mock.settledResults.every((r) => r.type !== "incomplete"));
  expect(handled.every((h) => h.msg.activityId !== undefined)).toBe(true); // all read from rows
  expect(reads.mock.calls.length - before).toBe(1); // one read brought them all
});
