// A poll agent takes the answers its calls await from its event stream when the platform's event
// carries the row's body (since 2026-05: `request_body` in `ACTIVITY_LOGGED`), with no read of its
// activity for them; the read that later brings their rows hands none on again. A spent budget
// then carries more answers: two requests an answer (question and reply) and the answerer's read.
import { afterEach, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { RemoteAgent } from "../src/index.js";
import { pollClients } from "./fixtures/poll-client.js";
import { PollSource } from "../src/agent/source/poll-source.js";
import { Router } from "../src/agent/route/router.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  vi.restoreAllMocks();
});

async function pair(compat: "2026-08") {
  const emu = await startEmulator({ ui: false, compat });
  cleanups.push(() => emu.close());
  const client = pollClients(emu, cleanups);
  const [asker, answerer] = [await client("asker"), await client("answerer")];
  const streams = vi.spyOn(PollSource.prototype, "onStatus");
  const seen: string[] = [];
  const a = new RemoteAgent({ client: asker, handler: (m) => void seen.push(m.text) });
  const b = new RemoteAgent({ client: answerer, handler: (m) => `answer to ${m.text}` });
  cleanups.push(
    () => a.stop(),
    () => b.stop(),
  );
  await Promise.all([a.start(), b.start()]);
  await waitFor(() => streams.mock.calls.filter(([up]) => up).length === 2);
  const ask = async (text: string) => {
    const r = await a.callPeer(answerer.workspaceId, text, { timeoutMs: 30_000 });
    return r.status === "completed" ? r.text : r.status;
  };
  return { asker, answerer, ask, seen };
}

it("takes the awaited answers from the event stream, with no read for them (2026-08)", async () => {
  const { answerer, ask, seen } = await pair("2026-08");
  // Each event the stream brings; a wake asks for a read (the connects' catch-ups are done).
  const events = vi.spyOn(PollSource.prototype, "onWake");
  const wakes = vi.spyOn(PollSource.prototype, "wake");
  const questions = ["q0", "q1", "q2", "q3", "q4"];
  const answers = await Promise.all(questions.map(ask));
  expect(answers).toEqual(questions.map((q) => `answer to ${q}`));
  // The asker's source: the one the answers were announced to, each with its body.
  const answered = events.mock.calls.flatMap(([row], i) =>
    row?.sourceId === answerer.workspaceId ? [i] : [],
  );
  expect(answered).toHaveLength(5);
  const source = events.mock.contexts[answered[0]!] as PollSource;
  for (const i of answered) {
    expect(events.mock.contexts[i]).toBe(source);
    expect(events.mock.calls[i]![0]!.event).toBeDefined();
  }
  // None woke a read (the answerer read its questions: its own source's wakes).
  expect(wakes.mock.contexts.filter((c) => c === source)).toEqual([]);
  // The asker's next read brings the answers' rows: none is handed on.
  const pages = vi.spyOn(Router.prototype, "takeAnswers");
  source.wake();
  const read = await waitFor(() => pages.mock.calls.findIndex(([m]) => m.length === 5) + 1);
  expect(pages.mock.results[read - 1]).toEqual({ type: "return", value: [] });
  expect(seen).toEqual([]);
});
