// Issue 100: `start()` resolves once the agent is online and reading. A poll agent with no saved
// cursor starts from the checkpoint in its activity log; when that read has to wait (the rate
// budget holds it, or it is read again), `start()` resolves without it, and no message is read
// before it is known (a start without it would deliver again what the platform still holds). A
// checkpoint that then cannot be read ends the agent with its error. Against the emulator; the
// checkpoint read alone is held, through the client.
import { afterEach, describe, expect, it, vi } from "vitest";
import { waitFor } from "@internal/test-utils";
import {
  MoleculeError,
  MoleculeRateLimitError,
  memoryStore,
  RemoteAgent,
  type InboundMessage,
} from "../src/index.js";
import { startOrg } from "./fixtures/inbound-org.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  vi.restoreAllMocks();
});

/**
 * A poll agent whose first checkpoint read is refused by a spent budget and whose second waits
 * until `release` says what it gets: the real read, or `failure`.
 */
async function heldCheckpoint() {
  const { client, peer, a } = await startOrg("latest", cleanups);
  const reads: string[] = [];
  let release!: (failure?: Error) => void;
  const released = new Promise<Error | undefined>((r) => (release = r));
  const fetchRows = client.fetchActivityRows.bind(client);
  vi.spyOn(client, "fetchActivityRows").mockImplementation(async (options) => {
    const type = options?.type ?? "a2a_receive";
    reads.push(type);
    if (type === "agent_log" && reads.filter((t) => t === type).length === 1) {
      throw new MoleculeRateLimitError("GET /activity was not sent: the budget is spent", {
        retryAfterMs: 10,
        status: undefined,
      });
    }
    if (type === "agent_log") {
      const failure = await released;
      if (failure) throw failure;
    }
    return await fetchRows(options);
  });
  const handled: string[] = [];
  const agent = new RemoteAgent({
    client,
    store: memoryStore(), // no saved cursor: the start reads the checkpoint
    handler: (m: InboundMessage) => void handled.push(m.text),
  });
  cleanups.push(() => agent.stop());
  await peer.callPeer(a.id, "q1"); // waiting on the platform before the agent starts
  return { agent, reads, handled, release };
}

describe("RemoteAgent#start while its checkpoint read waits", () => {
  it("resolves online, reads no message before the checkpoint is known, then each once", async () => {
    const { agent, reads, handled, release } = await heldCheckpoint();
    await agent.start();
    // Back with the checkpoint read waiting: no inbox read, nothing handled.
    await waitFor(() => reads.length >= 2);
    expect(reads.every((t) => t === "agent_log")).toBe(true);
    expect(handled).toEqual([]);
    release();
    await waitFor(() => handled.length === 1, { timeoutMs: 10_000 });
    expect(handled).toEqual(["q1"]);
  });

  it("a checkpoint that then cannot be read ends the agent with checkpoint_unreadable", async () => {
    const { agent, handled, release } = await heldCheckpoint();
    await agent.start();
    release(new MoleculeError("forbidden", { code: "forbidden", status: 403 }));
    const done = await agent.done;
    expect(done.reason).toBe("error");
    expect(done.error).toMatchObject({ code: "checkpoint_unreadable" });
    expect(handled).toEqual([]);
  });
});
