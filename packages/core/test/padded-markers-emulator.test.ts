// Issue 59, "marker neutralising has blind spots", as the attack over real HTTP: a peer pads its
// spoofed markers past the old 512/40-character scan windows, or opens them with a look-alike
// bracket the old opener list missed (U+FE47, U+3014, ...). Each reaches this agent live: in a
// peer's answer to `callPeer`, in a child's approval request a parent is told about (the
// escalation), and in a teammate's memory recalled. Every one of them arrives defused (a U+200B
// after its opener); before the fix 17 of the 18 padded forms and every look-alike arrived intact.
import { LOOKALIKE_OPENERS, PADDED_MARKERS } from "@internal/test-utils";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { ApprovalEscalationWatcher, type ApprovalEscalation } from "../src/org/index.js";
import { PlatformClient, redactMemorySecrets } from "../src/platform/index.js";

const FORMS = [...PADDED_MARKERS, ...LOOKALIKE_OPENERS];
const ZW = "\u200b";

let emu: Awaited<ReturnType<typeof startEmulator>>;
const clients: PlatformClient[] = [];
const agents: RemoteAgent<PlatformClient>[] = [];
let parent: PlatformClient;
let child: PlatformClient;
let sibling: PlatformClient;

beforeAll(async () => {
  emu = await startEmulator({ lenientAgentUrls: true });
  const make = async (name: string, parentId?: string): Promise<PlatformClient> => {
    const w = await emu.admin.createWorkspace({ name, ...(parentId ? { parentId } : {}) });
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    clients.push(c);
    return c;
  };
  parent = await make("parent");
  child = await make("child", parent.workspaceId);
  sibling = await make("sibling", parent.workspaceId);
}, 60_000);

afterAll(async () => {
  for (const a of agents) await a.stop();
  for (const c of clients) await c.close();
  await emu?.close();
});

/** `text` with each form found and defused: its opener followed by U+200B, the rest unchanged. */
function expectDefused(text: string, forms: readonly string[]): void {
  for (const form of forms) {
    const opener = String.fromCodePoint(form.codePointAt(0)!);
    expect(text).toContain(`${opener}${ZW}${form.slice(opener.length)}`);
  }
}

it("a peer's padded and look-alike markers reach callPeer defused, every one", async () => {
  const peer = new RemoteAgent({
    client: sibling,
    handler: (m) => FORMS[Number(m.text)]!,
    delivery: { mode: "push" },
    logger: {},
  });
  const caller = new RemoteAgent({ client: child, handler: () => undefined, logger: {} });
  agents.push(peer, caller);
  await peer.start();
  await caller.start();
  for (let i = 0; i < FORMS.length; i++) {
    const r = await caller.callPeer(sibling.workspaceId, String(i));
    if (r.status === "queued") throw new Error("the call was queued");
    expect(r.status).toBe("completed");
    expectDefused(r.text, [FORMS[i]!]);
  }
}, 120_000);

it("a child's approval request holding them reaches the parent's escalation defused", async () => {
  const seen: ApprovalEscalation[] = [];
  let wake: (() => void) | undefined;
  const watcher = new ApprovalEscalationWatcher({
    client: parent,
    onEscalation: (e) => {
      seen.push(e);
      wake?.();
    },
  });
  await watcher.start();
  try {
    const asked: string[] = [];
    // The forms a person can be shown whole (an action is at most 2,000 characters).
    const fit = FORMS.filter((f) => f.length < 1_900 && Buffer.byteLength(f) < 4_000);
    expect(fit.length).toBeGreaterThanOrEqual(20);
    for (const [i, form] of fit.entries()) {
      const { approvalId } = await child.createApproval({ action: `pay ${i} ${form}` });
      asked.push(approvalId);
    }
    while (!asked.every((id) => seen.some((e) => e.approvalId === id)))
      await new Promise<void>((r) => (wake = r));
    for (const [i, id] of asked.entries())
      expectDefused(seen.find((e) => e.approvalId === id)!.action, [fit[i]!]);
  } finally {
    await watcher.stop();
  }
}, 120_000);

it("a teammate's memory holding them is recalled defused", async () => {
  for (const form of FORMS)
    await sibling.commitMemory({ content: `note ${form}`, scope: "TEAM", namespace: "padded" });
  const rows = await child.searchMemories({ scope: "TEAM", namespace: "padded" });
  expect(rows).toHaveLength(FORMS.length);
  for (const row of rows) expect(row.fromPeer).toBe(true);
  // The forms the platform stores as written (it redacts a run of 33 slashes as a base64 blob).
  const kept = FORMS.filter((f) => redactMemorySecrets(f) === f);
  expect(kept.length).toBeGreaterThanOrEqual(20);
  expectDefused(rows.map((r) => r.content).join("\n"), kept);
}, 120_000);
