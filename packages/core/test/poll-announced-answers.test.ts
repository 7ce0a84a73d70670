// A poll agent counts the rows its event stream announces toward a read of answers (poll-pace.ts
// `ROWS_PER_READ`) only when they come from a peer it awaits an answer from: in issue 100's shape
// (each agent asks its neighbour and answers the other) a burst of questions must not send the
// read of answers ahead of the replies, only the answers themselves.
import { afterEach, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { RemoteAgent } from "../src/index.js";
import { pollClients } from "./fixtures/poll-client.js";
import { PollPace } from "../src/agent/source/poll-pace.js";
import { PollSource } from "../src/agent/source/poll-source.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  vi.restoreAllMocks();
});

it("counts the rows from a peer it awaits an answer from, not the others'", async () => {
  const emu = await startEmulator({ ui: false });
  cleanups.push(() => emu.close());
  const client = pollClients(emu, cleanups);
  const [mine, asked, other] = [
    await client("agent"),
    await client("asked"),
    await client("other"),
  ];
  const announced = vi.spyOn(PollPace.prototype, "announced");
  // Each event the stream brings (the connect's catch-up has no row).
  const events = vi.spyOn(PollSource.prototype, "onWake");
  const rows = () => events.mock.calls.filter(([row]) => row !== undefined).length;
  const seen: string[] = [];
  const agent = new RemoteAgent({ client: mine, handler: (m) => void seen.push(m.text) });
  cleanups.push(() => agent.stop());
  await agent.start();
  // The stream is up once it brings the first message's event.
  await other.callPeer(mine.workspaceId, "first");
  await waitFor(() => rows() === 1 && seen.length === 1);
  // A call to `asked` awaits its answer (nobody answers it here).
  const call = agent.callPeer(asked.workspaceId, "a question", { timeoutMs: 30_000 });
  call.catch(() => undefined);
  await waitFor(() => emu.activity(asked.workspaceId).length > 0);
  for (let i = 0; i < 3; i++) await other.callPeer(mine.workspaceId, `from other ${i}`);
  await asked.callPeer(mine.workspaceId, "from asked");
  await waitFor(() => rows() === 5 && seen.length === 5);
  expect(announced).toHaveBeenCalledTimes(1);
});
