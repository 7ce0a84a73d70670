// peerTools' built-in tools keep to the selected peers, over real HTTP against the emulator:
// `delegate_to_peer` refuses a peer the filters left out (nothing reaches the platform), `list_peers`
// lists only the selected peers, and a tool-name override cannot take an enabled built-in's name.
import { PlatformClient } from "@molecule-ai/agent-core";
import { startA2AServer } from "@molecule-ai/agent-core/a2a";
import type { A2AServer } from "@molecule-ai/agent-core/a2a";
import { PeerToolConfigError } from "@molecule-ai/agent-core/peer-tools";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELEGATE_TO_PEER_TOOL, LIST_PEERS_TOOL, peerTools } from "../src/index.js";
import type { DelegateTaskTool, ListPeersTool, PeerTool } from "../src/index.js";
import { textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";

let emu: Emulator;
let caller: PlatformClient;
let callerToken: string;
const clients: PlatformClient[] = [];
const servers: A2AServer[] = [];
const ids: Record<string, string> = {};
const received: Record<string, string[]> = { billing: [], ops: [] };
const opts = { toolCallId: "tc-1", messages: [], context: {} };

async function peer(key: string, name: string): Promise<void> {
  const ws = await emu.admin.createWorkspace({ name });
  ids[key] = ws.id;
  const server = await startA2AServer({
    agentCard: { name },
    onMessage: (message) => {
      received[key]!.push(message.parts.map((p) => (p.kind === "text" ? p.text : "")).join(""));
      return `${name} got it`;
    },
  });
  servers.push(server);
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  clients.push(client);
  await client.register({ url: server.url, agentCard: { name } });
}

/** The caller's delegations, as the platform records them: one per delegation id. */
async function delegations(): Promise<{ target_id: string }[]> {
  const res = await fetch(`${emu.url}/workspaces/${caller.workspaceId}/delegations`, {
    headers: { authorization: `Bearer ${callerToken}` },
  });
  expect(res.status).toBe(200);
  // A delegation and its result are both rows of type "delegation" (the real server's listing).
  const rows = (await res.json()) as { type: string; target_id: string; delegation_id: string }[];
  const byId = new Map(
    rows.filter((d) => d.type === "delegation").map((d) => [d.delegation_id, d]),
  );
  return [...byId.values()];
}

beforeAll(async () => {
  emu = await startEmulator();
  const self = await emu.admin.createWorkspace({ name: "caller" });
  callerToken = self.token!;
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: self.id, token: callerToken });
  await caller.register({ agentCard: { name: "caller" } });
  await peer("billing", "Billing");
  await peer("ops", "Ops");
});

afterAll(async () => {
  await Promise.all([caller, ...clients].map((c) => c?.close()));
  await Promise.all(servers.map((s) => s.close()));
  await emu?.close();
});

describe("peerTools with a peer filter", () => {
  it("delegate_to_peer refuses a peer the filter left out; the model sees why, nothing is delegated", async () => {
    const tools = await peerTools(caller, { include: ["Billing"] });
    expect(Object.keys(tools).sort()).toEqual(
      ["call_billing", DELEGATE_TO_PEER_TOOL, LIST_PEERS_TOOL].sort(),
    );
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallStep(DELEGATE_TO_PEER_TOOL, { peerId: ids["ops"], task: "restart the cluster" }),
        textStep("could not delegate"),
      ],
    });
    const result = await generateText({ model, tools, prompt: "x", stopWhen: isStepCount(3) });
    expect(result.steps[0]?.toolResults[0]?.output).toMatchObject({
      status: "error",
      code: "peer_not_allowed",
      peerId: ids["ops"],
    });
    const [seen] = toolResultsInPrompt(model, 1) as { type: string; value: string }[];
    expect(seen?.type).toBe("error-text");
    expect(seen?.value).toContain("list_peers");
    // Refused before any request: the platform has no delegation row for it.
    expect(await delegations()).toEqual([]);
  });

  it("delegate_to_peer still reaches a selected peer", async () => {
    const tools = await peerTools(caller, { include: ["Billing"] });
    const delegate = tools[DELEGATE_TO_PEER_TOOL] as DelegateTaskTool;
    const out = await delegate.execute({ peerId: ids["billing"]!, task: "reconcile May" }, opts);
    expect(out).toMatchObject({ targetId: ids["billing"] });
    await waitFor(() => received["billing"]!.includes("reconcile May"));
    expect((await delegations()).map((d) => d.target_id)).toEqual([ids["billing"]]);
  });

  it("list_peers lists only the selected peers, with their tool names", async () => {
    const tools = await peerTools(caller, { exclude: ["Billing"] });
    const list = tools[LIST_PEERS_TOOL] as ListPeersTool;
    const out = await list.execute({}, opts);
    // Every workspace created without a parent is filed under the platform's seeded "Org
    // Concierge", which the caller sees as a peer too.
    const concierge = (await caller.listPeers()).find((p) => p.name === "Org Concierge")!;
    expect(out.map((p) => [p.id, p.toolName]).sort()).toEqual(
      [
        [ids["ops"], "call_ops"],
        [concierge.id, "call_org_concierge"],
      ].sort(),
    );
  });
});

describe("peerTools names", () => {
  it("an override may not take the name of an enabled built-in tool", async () => {
    const names = { [ids["ops"]!]: LIST_PEERS_TOOL };
    await expect(peerTools(caller, { names })).rejects.toBeInstanceOf(PeerToolConfigError);
    const delegateName = { [ids["ops"]!]: DELEGATE_TO_PEER_TOOL };
    await expect(
      peerTools(caller, { names: delegateName, listPeers: false }),
    ).rejects.toMatchObject({ code: "invalid_argument", retryable: false });
  });

  it("a built-in that is off leaves its name free for a peer tool", async () => {
    const tools = await peerTools(caller, {
      names: { [ids["ops"]!]: DELEGATE_TO_PEER_TOOL },
      delegate: false,
    });
    expect(Object.keys(tools).sort()).toEqual([
      "call_billing",
      "call_org_concierge",
      DELEGATE_TO_PEER_TOOL,
      LIST_PEERS_TOOL,
    ]);
    const ops = tools[DELEGATE_TO_PEER_TOOL] as PeerTool;
    const out = await ops.execute({ message: "status?" }, opts);
    expect(out).toMatchObject({ status: "completed", text: expect.stringContaining("Ops got it") });
  });
});
