// One table, three adapters, one plan (core's `planPeerToolkit`): for the same peers and the same
// filters, name overrides and built-in switches, LangChain's PeerToolkit, the AI SDK's peerTools
// and NestJS's MoleculePeerTools name each peer's tool the same (or refuse the same filter that
// matches no peer), and the two adapters with built-in tools offer the same built-ins under the
// same names, list the same peers and delegate to exactly the selected peers.
// Over real HTTP against the platform emulator; delegations really reach the peers.
import type { ToolMessage } from "@langchain/core/messages";
import type { Peer } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { LIST_PEERS_TOOL, peerTools } from "@molecule-ai/ai-sdk";
import type { DelegateTaskTool, ListPeersTool } from "@molecule-ai/ai-sdk";
import { PeerToolkit } from "@molecule-ai/langchain";
import { MoleculePeerTools } from "@molecule-ai/nestjs";
import type { TestingModule } from "@nestjs/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrg } from "./org.js";
import type { Org } from "./org.js";

/** The options every adapter takes, by peer key (resolved to ids once the peers exist). */
interface CaseOptions {
  include?: string[];
  exclude?: (peer: Peer) => boolean;
  skills?: string[];
  names?: Record<string, string>;
  listPeers?: false;
  delegate?: false;
}

/** What an adapter made of the options; peers by key. */
interface Toolkit {
  /** Peer key → the name of its tool. */
  names: Record<string, string>;
  /** The built-in tools' names (`list_peers`, `delegate_to_peer`), in that order. */
  builtins: string[];
  /** The peers `list_peers` lists, sorted. */
  listed?: string[];
  /** Per peer key: `accepted`, or the code the delegation tool refused it with. */
  delegateScope?: Record<string, string>;
}

type Loaded = Toolkit | { throws: string };

interface Adapter {
  name: string;
  /** Whether the adapter has the `list_peers` / delegation built-ins. */
  builtins: boolean;
  load(options: CaseOptions, task: string): Promise<Loaded>;
}

let org: Org;
let moduleRef: TestingModule;
/** Peer key → workspace id. */
let ids: Record<string, string> = {};
const keyOf = (id: string) => Object.keys(ids).find((k) => ids[k] === id) ?? `?${id}`;
const toolCall = { toolCallId: "tc-1", messages: [], context: {} };
const codeOf = (error: unknown) => String((error as { code?: unknown })?.code ?? "no_code");

/** The options with peer keys turned into workspace ids. */
function resolve(options: CaseOptions) {
  const names = options.names
    ? Object.fromEntries(Object.entries(options.names).map(([k, n]) => [ids[k] ?? k, n]))
    : undefined;
  return {
    ...options,
    ...(options.include ? { include: options.include.map((k) => ids[k] ?? k) } : {}),
    ...(names ? { names } : {}),
  };
}

/** Delegates `task` to every peer and records what the tool said. */
async function scope(delegate: (peerId: string) => Promise<string>) {
  const out: Record<string, string> = {};
  for (const key of Object.keys(ids)) out[key] = await delegate(ids[key]!);
  return out;
}

const langchain: Adapter = {
  name: "langchain",
  builtins: true,
  async load(options, task) {
    let kit: PeerToolkit;
    try {
      kit = await PeerToolkit.fromClient(org.caller, resolve(options));
    } catch (error) {
      return { throws: codeOf(error) };
    }
    const names = Object.fromEntries(
      kit.peers.map((p) => [keyOf(p.id), kit.getPeerTool(p.id)!.name]),
    );
    const builtinTools = kit.tools.slice(kit.peers.length);
    const find = (name: string) => builtinTools.find((t) => t.name === name);
    const invoke = async (name: string, args: Record<string, string>) =>
      (await find(name)!.invoke({ type: "tool_call", id: "tc-1", name, args })) as ToolMessage;
    const kitOut: Toolkit = { names, builtins: [] };
    if (find("list_peers")) {
      kitOut.builtins.push("list_peers");
      const tm = await invoke("list_peers", {});
      kitOut.listed = (tm.artifact as Peer[]).map((p) => keyOf(p.id)).sort();
    }
    if (find("delegate_to_peer")) {
      kitOut.builtins.push("delegate_to_peer");
      kitOut.delegateScope = await scope(async (peerId) => {
        const tm = await invoke("delegate_to_peer", { peerId, task });
        return tm.status === "error" ? String(tm.artifact.error.code) : "accepted";
      });
    }
    return kitOut;
  },
};

const aiSdk: Adapter = {
  name: "ai-sdk",
  builtins: true,
  async load(options, task) {
    let tools: Awaited<ReturnType<typeof peerTools>>;
    try {
      tools = await peerTools(org.caller, resolve(options));
    } catch (error) {
      return { throws: codeOf(error) };
    }
    const names: Record<string, string> = {};
    for (const [name, t] of Object.entries(tools)) {
      const peerId = (t.metadata as { molecule?: { peerId?: string } })?.molecule?.peerId;
      if (peerId !== undefined) names[keyOf(peerId)] = name;
    }
    const builtinOf = (name: string) =>
      (tools[name]?.metadata as { molecule?: { builtin?: string } })?.molecule?.builtin;
    // Every built-in, by the name the model sees: the same as LangChain's.
    const builtins = Object.keys(tools)
      .filter((name) => builtinOf(name) === name)
      .sort((a, b) => Number(b === LIST_PEERS_TOOL) - Number(a === LIST_PEERS_TOOL));
    const kitOut: Toolkit = { names, builtins };
    if (builtins.includes(LIST_PEERS_TOOL)) {
      const out = await (tools[LIST_PEERS_TOOL] as ListPeersTool).execute({}, toolCall);
      kitOut.listed = out.map((p) => keyOf(p.id)).sort();
    }
    const delegateName = builtins.find((name) => name.startsWith("delegate"));
    if (delegateName !== undefined) {
      const delegate = tools[delegateName] as DelegateTaskTool;
      kitOut.delegateScope = await scope(async (peerId) => {
        const out = await delegate.execute({ peerId, task }, toolCall);
        return "error" in out ? out.code : "accepted";
      });
    }
    return kitOut;
  },
};

// NestJS hands out peer tools only (no list or delegation tool): it takes part in the names.
const nest: Adapter = {
  name: "nestjs",
  builtins: false,
  async load(options) {
    const { listPeers: _l, delegate: _d, ...rest } = resolve(options);
    try {
      const specs = await moduleRef.get(MoleculePeerTools).load(rest);
      return {
        names: Object.fromEntries(specs.map((s) => [keyOf(s.peer.id), s.name])),
        builtins: [],
      };
    } catch (error) {
      return { throws: codeOf(error) };
    }
  },
};

const ADAPTERS = [langchain, aiSdk, nest];

/** Delegated tasks, by peer key. */
const received: Record<string, string[]> = {};
const recorder = (key: string) => {
  received[key] = [];
  return (text: string) => {
    received[key]!.push(text);
    return "ok";
  };
};
const skill = (id: string) => ({ skills: [{ id, name: id, description: id, tags: [] }] });

beforeAll(async () => {
  org = await startOrg();
  ids = org.ids;
  await org.peer("billing", {
    name: "Billing",
    card: skill("invoices"),
    answer: recorder("billing"),
  });
  await org.peer("support", {
    name: "Support Desk",
    card: skill("tickets"),
    answer: recorder("support"),
  });
  await org.peer("ops", { name: "Ops", answer: recorder("ops") });
  moduleRef = await org.nest();
});

afterAll(async () => {
  await org?.close();
});

interface Row {
  name: string;
  options: CaseOptions;
  /** Peer key → tool name in every adapter, or what the adapters with built-ins throw. */
  names: Record<string, string> | { throws: string };
  /** NestJS's names when they differ (it has no built-ins, so no reserved names). */
  nestNames?: Record<string, string>;
}

const ALL = {
  concierge: "call_org_concierge",
  billing: "call_billing",
  support: "call_support_desk",
  ops: "call_ops",
};

const rows: Row[] = [
  { name: "no options", options: {}, names: ALL },
  {
    name: "include by id and by name",
    options: { include: ["billing", "Ops"] },
    names: { billing: "call_billing", ops: "call_ops" },
  },
  {
    name: "exclude by predicate",
    options: { exclude: (p) => p.name === "Support Desk" },
    names: { concierge: "call_org_concierge", billing: "call_billing", ops: "call_ops" },
  },
  { name: "skills", options: { skills: ["INVOICES"] }, names: { billing: "call_billing" } },
  {
    name: "a name override",
    options: { names: { support: "ask_support" } },
    names: { ...ALL, support: "ask_support" },
  },
  {
    name: "a name override keyed by the peer's name",
    options: { names: { "support desk": "ask_support", Ops: "ask_ops" } },
    names: { ...ALL, support: "ask_support", ops: "ask_ops" },
  },
  {
    name: "an include that matches no peer (a typo)",
    options: { include: ["billing", "billingg"] },
    names: { throws: "peer_filter_unmatched" },
  },
  {
    name: "a skill no peer advertises (a typo)",
    options: { skills: ["invoicez"] },
    names: { throws: "peer_filter_unmatched" },
  },
  {
    name: "a names key that matches no peer",
    options: { names: { Suport: "ask_support" } },
    names: { throws: "peer_filter_unmatched" },
  },
  {
    name: "an override taking list_peers while it is on",
    options: { names: { ops: "list_peers" } },
    names: { throws: "invalid_argument" },
    nestNames: { ...ALL, ops: "list_peers" },
  },
  {
    name: "an override taking list_peers while it is off",
    options: { names: { ops: "list_peers" }, listPeers: false },
    names: { ...ALL, ops: "list_peers" },
  },
  {
    name: "filters with both built-ins off",
    options: { include: ["support", "ops"], listPeers: false, delegate: false },
    names: { support: "call_support_desk", ops: "call_ops" },
  },
];

/** What an adapter with built-ins must give for `row`: the plan, seen through its tools. */
function expectedToolkit(row: Row): Loaded {
  if ("throws" in row.names) return row.names as { throws: string };
  const selected = Object.keys(row.names);
  const list = row.options.listPeers !== false;
  const delegate = row.options.delegate !== false;
  const scope = Object.fromEntries(
    Object.keys(ids).map((k) => [k, selected.includes(k) ? "accepted" : "peer_not_allowed"]),
  );
  return {
    names: row.names,
    builtins: [...(list ? ["list_peers"] : []), ...(delegate ? ["delegate_to_peer"] : [])],
    ...(list ? { listed: [...selected].sort() } : {}),
    ...(delegate ? { delegateScope: scope } : {}),
  };
}

/** Waits until every delegation the caller made has finished (reached its peer and came back). */
async function delegationsSettled(): Promise<void> {
  await waitFor(async () => {
    const res = await fetch(`${org.emu.url}/workspaces/${org.caller.workspaceId}/delegations`, {
      headers: { authorization: `Bearer ${org.callerToken}` },
    });
    const rows = (await res.json()) as { type: string; status: string }[];
    // The offline concierge's delegations fail (it has no URL); every other one completes.
    return rows
      .filter((r) => r.type === "delegate")
      .every((r) => r.status === "completed" || r.status === "failed");
  });
}

describe.each(rows)("$name", (row) => {
  it("gives the same tool names, built-ins, listing and delegation scope in every adapter", async () => {
    const results: Record<string, Loaded> = {};
    for (const adapter of ADAPTERS) {
      results[adapter.name] = await adapter.load(row.options, `${row.name} (${adapter.name})`);
    }
    await delegationsSettled();
    const nest =
      row.nestNames !== undefined
        ? { names: row.nestNames, builtins: [] }
        : "throws" in row.names
          ? row.names
          : { names: row.names, builtins: [] };
    expect(results).toEqual({
      langchain: expectedToolkit(row),
      "ai-sdk": expectedToolkit(row),
      nestjs: nest,
    });
    // Each accepted delegation reached its peer, from both adapters; the refused ones did not.
    const accepted = (expectedToolkit(row) as Toolkit).delegateScope ?? {};
    const tasks = ["langchain", "ai-sdk"].map((a) => `${row.name} (${a})`);
    // (the peers that answer: the concierge is offline; the two adapters' delegations reach each
    // peer in either order)
    const answering = Object.keys(received);
    const from = (k: string) => received[k]!.filter((t) => tasks.includes(t)).toSorted();
    expect(Object.fromEntries(answering.map((k) => [k, from(k)]))).toEqual(
      Object.fromEntries(
        answering.map((k) => [k, accepted[k] === "accepted" ? tasks.toSorted() : []]),
      ),
    );
  });
});
