// The replicas' shared poll reads the platform 6 times less often while the leading replica's event
// stream is connected (the stream wakes the read when a message lands), as a lone agent's poll
// does, and at the full rate without it. The agent's own heartbeats are the clock: every count is
// taken over a number of heartbeats, not a duration.
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { FetchInboundOptions, InboundMessage } from "@molecule-ai/agent-core";
import type { EventStream } from "@molecule-ai/agent-core/wire";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });
const INTERVAL = 60;

/** Counts the platform reads and the heartbeats, and the event streams it has open. */
class CountingClient extends PlatformClient {
  reads = 0;
  heartbeatsSent = 0;
  streamsOpen = 0;

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>) {
    const r = await super.heartbeat(...args);
    this.heartbeatsSent++;
    return r;
  }

  override fetchActivityRows(options?: FetchInboundOptions) {
    this.reads++;
    return super.fetchActivityRows(options);
  }

  override async openEventStream(options?: { signal?: AbortSignal }): Promise<EventStream> {
    const stream = await super.openEventStream(options);
    this.streamsOpen++;
    stream.body.once("close", () => this.streamsOpen--);
    return stream;
  }
}

/** Platform reads per heartbeat of one agent on the Postgres store, over 30 heartbeats. */
async function readsPerHeartbeat(eventWakeups: boolean): Promise<number> {
  const ws = await pg.emu.admin.createWorkspace({ name: `cadence-${eventWakeups}` });
  const client = new CountingClient({
    platformUrl: pg.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  const store = createPostgresStore({ connectionString: pg.dbUrl });
  const handled: string[] = [];
  const agent = new RemoteAgent({
    client,
    store,
    logger: {},
    eventWakeups,
    heartbeatIntervalMs: INTERVAL,
    stateIntervalMs: INTERVAL,
    pollIntervalMs: INTERVAL,
    handler: (msg: InboundMessage) => void handled.push(msg.text),
  });
  try {
    await agent.start();
    if (eventWakeups) await waitFor(() => client.streamsOpen === 1);
    await waitFor(() => client.reads > 0); // leading: the first read is done
    const from = { hb: client.heartbeatsSent, reads: client.reads };
    await waitFor(() => client.heartbeatsSent >= from.hb + 30, { timeoutMs: 30_000 });
    const rate = (client.reads - from.reads) / (client.heartbeatsSent - from.hb);
    // Slowed or not, a message is delivered: the stream wakes the read, or the timed read finds it.
    const { client: peer } = await pg.workspaceClient(`peer-${eventWakeups}`);
    await peer.callPeer(ws.id, "hello");
    await waitFor(() => handled.length > 0);
    return rate;
  } finally {
    await agent.stop();
    await store.close();
    await client.close();
  }
}

describe("the shared poll's platform reads (Postgres store)", () => {
  it("are 6 times less frequent while the event stream is connected", async () => {
    expect(await readsPerHeartbeat(true)).toBeLessThan(0.4); // 1/6 expected; 1 without the stream
  });

  it("run on every interval without the stream", async () => {
    expect(await readsPerHeartbeat(false)).toBeGreaterThan(0.6);
  });
});
