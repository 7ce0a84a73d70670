// Large messages held to the poll path's memory bounds (issue 101): an agent in a small memory
// cgroup (v1, as a container's `limits.memory`) takes a pushed message of 10 MiB (its body limit
// raised to 16 MiB) in 64 MiB, then three at once, and a poll agent awaits a peer's answer of
// 10 MiB. Push bodies were bounded each but not in sum, and a large body or row was held several
// times over while it was read: as many small strings (which grow V8's young generation), their
// flat copy and the parse, with the socket's buffers not yet collected, and its fingerprint hashed
// through copies of its slices. Needs a writable cgroup v1 memory controller (root); skipped elsewhere.
//
// An agent OOM-killed in its limit shows first as its connections ending: the platform's forward
// of a push sees "socket hang up" or ECONNRESET and queues the call (the caller gets "queued"),
// before this process sees the exit. So each case asks the cgroup how many it OOM-killed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { agentIn, cgroupSkip, memoryCgroup, MiB } from "./fixtures/memory-cgroup.js";

const skip = cgroupSkip();
if (skip) console.warn(`[memory-bound-large: skipped] ${skip}`);

/**
 * A peer's answer is awaited in a generous limit (1 GiB, as issue 101 measures a peak), its peak
 * anonymous memory bounded: the row's text held as undici's chunks (garbage until V8's next full
 * collection), their bytes joined and the text decoded from them, and the first call's own code and
 * objects. 4da7b868: idle + 43 to 48 (the text also as many small strings, flattened, then parsed).
 */
const ANSWER_LIMIT_MIB = 1024;
/**
 * The most anonymous memory above idle a peer's 10 MiB answer may take, MiB: measured 25-31 while
 * the emulator's events carried no bodies, 32-45 since they carry them as the August server's do
 * (the answer's 10 MiB pass through the event stream first, dropped as they come: garbage V8 may
 * not have collected when the read comes; docs/deployment.md).
 */
const ANSWER_PEAK_MIB = 48;
/** A message of 10 MiB (its text, ASCII). */
const TEN_MIB = 10 * MiB;

let emu: Emulator;
let stateDir: string;
beforeAll(async () => {
  emu = await startEmulator();
  stateDir = await mkdtemp(join(tmpdir(), "memory-bound-large-"));
});
afterAll(async () => {
  await emu?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** Sends `count` messages of 10 MiB to the push agent `to` at once: the answers' texts. */
async function push(peer: PlatformClient, to: string, ids: string[]): Promise<unknown[]> {
  return await Promise.all(
    ids.map(async (id) => {
      const text = `${id} ${"x".repeat(TEN_MIB - 64)}`;
      const res = await peer
        .callPeer(to, text, { messageId: id })
        .catch((err: Error) => ({ status: err.message }));
      return res.status === "completed" && "text" in res ? res.text : res.status;
    }),
  );
}

describe.skipIf(skip !== undefined)("large messages in a memory cgroup (cgroup v1; root)", () => {
  it.each([
    { count: 1, limitMiB: 64 }, // 4da7b868: OOM-killed at 64, 80 and 96
    // 4da7b868: OOM-killed at 80 and 96. 80 MiB held in 106 of 110 runs: whether the earlier
    // messages' garbage is collected before the next body is read hangs on when V8's concurrent
    // marking ends, so on the machine's load (docs/memory.md); 96 holds by design.
    { count: 3, limitMiB: 96 },
  ])(
    "a push agent (body limit 16 MiB) answers $count message(s) of 10 MiB sent at once, each once, in $limitMiB MiB",
    async ({ count, limitMiB }) => {
      const a = await emu.admin.createWorkspace({ name: `push-small-container-${count}` });
      const p = await emu.admin.createWorkspace({ name: `large-sender-${count}` });
      const cgroup = memoryCgroup(`push-large-${count}`, limitMiB);
      const agent = agentIn(cgroup, {
        MOLECULE_STATE_DIR: join(stateDir, `push-${count}`),
        PLATFORM_URL: emu.url,
        WS_ID: a.id,
        WS_TOKEN: a.token!,
        DELIVERY: "push",
        MAX_BODY_BYTES: String(16 * MiB),
        HANDLER_MS: "200",
      });
      const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
      let died: string | undefined;
      void agent.exited.then((why) => (died = why));
      try {
        await agent.ready;
        const idle = cgroup.anonMiB();
        const watch = cgroup.watchAnon();
        const ids = Array.from({ length: count }, (_, i) => `large-${count}-${i}`);
        const answers = await push(peer, a.id, ids);
        const peak = watch.stop();
        const texts = ids.map((id) => `ok ${id.length + 1 + TEN_MIB - 64}`);
        expect({ answers, died, oomKills: cgroup.oomKills() }).toEqual({
          answers: texts,
          died: undefined,
          oomKills: 0,
        });
        expect([...agent.handled.keys()].sort()).toEqual(ids);
        expect([...agent.handled.values()].every((n) => n === 1)).toBe(true);
        console.info(
          `[memory-bound-large] push, ${count} x 10 MiB at once in ${limitMiB} MiB: idle ${idle} MiB anonymous, peak ${peak}; cgroup peak ${cgroup.peakMiB()} MiB, limit hit ${cgroup.failures()} times`,
        );
      } finally {
        await peer.close();
        await agent.stop();
        await cgroup.close();
      }
    },
    60_000,
  );

  it(`a poll agent's callPeer gets a poll peer's 10 MiB answer in at most idle + ${ANSWER_PEAK_MIB} MiB`, async () => {
    const a = await emu.admin.createWorkspace({ name: "asking-small-container" });
    const q = await emu.admin.createWorkspace({ name: "large-answerer" });
    const answer = "y".repeat(TEN_MIB);
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: q.id, token: q.token! });
    const answerer = new RemoteAgent({ client, store: memoryStore(), handler: () => answer });
    await answerer.start();
    const cgroup = memoryCgroup("answer-large", ANSWER_LIMIT_MIB);
    const agent = agentIn(cgroup, {
      MOLECULE_STATE_DIR: join(stateDir, "asker"),
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token!,
      CALL_PEER: q.id,
    });
    let died: string | undefined;
    void agent.exited.then((why) => (died = why));
    const watch = cgroup.watchAnon();
    try {
      await agent.ready;
      const idle = cgroup.anonMiB();
      await waitFor(() => died !== undefined || agent.answered.length > 0, { timeoutMs: 50_000 });
      const peak = watch.stop();
      console.info(
        `[memory-bound-large] a peer's 10 MiB answer in ${ANSWER_LIMIT_MIB} MiB: idle ${idle} MiB anonymous, peak ${peak}; cgroup peak ${cgroup.peakMiB()} MiB, limit hit ${cgroup.failures()} times`,
      );
      expect({ answered: agent.answered, died, oomKills: cgroup.oomKills() }).toEqual({
        answered: [`completed ${TEN_MIB}`],
        died: undefined,
        oomKills: 0,
      });
      expect(peak - idle).toBeLessThanOrEqual(ANSWER_PEAK_MIB);
    } finally {
      watch.stop();
      await agent.stop();
      await cgroup.close();
      await answerer.stop();
      await client.close();
    }
  }, 60_000);
});
