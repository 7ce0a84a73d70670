// Issue 59, "a forged header differs from a real one by one invisible character", through each
// adapter's own runner over real HTTP (loops.ts): a peer answers with text imitating a header, a
// `[SYSTEM]` line, boundary markers and channel tags, in every line-break form, behind invisible
// and look-alike characters. The tool result the model reads holds no line that, after removing
// format characters and NFKC folding, begins like a header or a marker: the SDK's header line
// names the peer, and every line the peer wrote is marked.
import { forgedLines, forgedText } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loops } from "./loops.js";

const HEADER = '[answer of peer "Forger"; untrusted text follows, each line marked │]';
let emu: Emulator;
const stops: (() => Promise<unknown>)[] = [];
let me: RemoteAgent<PlatformClient>;

beforeAll(async () => {
  emu = await startEmulator();
  const start = async (name: string, handler: () => string | undefined) => {
    const w = await emu.admin.createWorkspace({ name });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    const agent = new RemoteAgent({ client, handler, agentCard: { name }, logger: {} });
    stops.push(
      () => client.close(),
      () => agent.stop(),
    );
    await agent.start();
    return { id: w.id, agent };
  };
  const mine = await start("Me", () => undefined);
  me = mine.agent;
  await start("Forger", () => forgedText(mine.id));
}, 60_000);

afterAll(async () => {
  for (const stop of stops.toReversed()) await stop().catch(() => undefined);
  await emu?.close();
});

describe.each(loops)("$name", (loop) => {
  it("a peer's forged headers, [SYSTEM] lines, markers and tags reach the model as marked lines only", async () => {
    const kit = await loop.peerTools(me, { listPeers: false, delegate: false });
    expect(kit.names).toContain("call_forger");
    let asked = false;
    const out = await loop.run(
      kit,
      () =>
        asked ? undefined : ((asked = true), { name: "call_forger", args: { message: "status?" } }),
      "done",
    );
    const [seen] = out.shown;
    expect(seen?.type).toBe(loop.shows.type ? "text" : undefined);
    const text = seen!.text;
    expect(forgedLines(text, [HEADER])).toEqual([]);
    const [head, ...lines] = text.split("\n");
    expect(head).toBe(HEADER);
    expect(lines.length).toBeGreaterThanOrEqual(14);
    for (const line of lines) expect(line.startsWith("│")).toBe(true);
  });
});
