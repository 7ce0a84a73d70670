// Who sent a polled message, by name. The August-2026 platform names the sender in its activity
// rows (`?include=peer_info`: `peer_name`, `peer_role`, activity.go `List`); the May one carried
// only the sender's id (`source_id`; no `data` block, no `peer_name`: activity.go at enteros-core
// 50c3bdfd), so there the SDK names the sender from its own peer cache, as the platform's newer
// clients do (#2905): the registry's name and role for the id the platform authenticated, never
// what a sender wrote, with no platform call per message once known, one bounded lookup for a
// sender not known yet, and never a delivery delayed or failed by it. Over real HTTP against the
// emulator.
import { afterEach, describe, expect, it } from "vitest";
import { Agent, type Dispatcher } from "undici";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage } from "../src/index.js";
import { parseActivityRow } from "../src/public/wire.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** A dispatcher that counts the requests to `GET /registry/<id>/peers`, started and answered. */
function countingPeers(): {
  dispatcher: Dispatcher;
  started: () => number;
  answered: () => number;
} {
  let started = 0;
  let answered = 0;
  const agent = new Agent();
  cleanups.push(() => agent.close());
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    if (!/^\/registry\/[^/]+\/peers/.test(String(opts.path))) return dispatch(opts, handler);
    started++;
    const counted = new Proxy(handler, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop);
        if (typeof v !== "function") return v;
        const end = prop === "onResponseEnd" || prop === "onComplete";
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (end) answered++;
          return r;
        };
      },
    });
    return dispatch(opts, counted);
  });
  return { dispatcher, started: () => started, answered: () => answered };
}

async function org(compat: "latest" | "2026-05" = "latest") {
  const emu: Emulator = await startEmulator({ compat });
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  const a = await admin.createExternalWorkspace({ name: "writer" });
  const b = await admin.createExternalWorkspace({ name: "researcher", role: "sre" });
  const counter = countingPeers();
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: a.id,
    token: a.token!,
    dispatcher: counter.dispatcher,
    logger: {},
  });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: b.id, token: b.token! });
  cleanups.push(
    () => client.close(),
    () => peer.close(),
  );
  const seen: InboundMessage[] = [];
  const agent = new RemoteAgent({
    client,
    delivery: "poll",
    logger: {},
    handler: (m) => {
      seen.push(m);
    },
  });
  cleanups.push(() => agent.stop());
  return { emu, a, b, client, peer, agent, seen, counter };
}

describe("naming a polled message's sender", () => {
  it("a sender the peer cache knows is named with its registry name and role, with no platform call per message", async () => {
    const { a, b, client, peer, agent, seen, counter } = await org();
    await client.listPeers(); // e.g. a toolkit listed its peers at start
    expect(counter.started()).toBe(1);
    await agent.start();
    for (const text of ["one", "two", "three"]) await peer.callPeer(a.id, text);
    await waitFor(() => seen.length === 3);
    expect(seen.map((m) => [m.text, m.sourceId, m.peerName, m.peerRole])).toEqual([
      ["one", b.id, "researcher", "sre"],
      ["two", b.id, "researcher", "sre"],
      ["three", b.id, "researcher", "sre"],
    ]);
    expect(counter.started()).toBe(1);
  });

  it("the platform names an unknown sender in its row: named at once, with no lookup", async () => {
    const { a, b, peer, agent, seen, counter } = await org();
    await agent.start();
    await peer.callPeer(a.id, "first");
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({
      text: "first",
      sourceId: b.id,
      peerName: "researcher",
      peerRole: "sre",
    });
    expect(counter.started()).toBe(0);
  });

  it("an unknown sender starts one lookup, is not waited for, and is named from then on (2026-05)", async () => {
    // The May platform's rows carry no peer_name: the SDK's own lookup names the sender.
    const { a, b, peer, agent, seen, counter } = await org("2026-05");
    await agent.start();
    await peer.callPeer(a.id, "first");
    await waitFor(() => seen.length === 1);
    // Delivered at once, unnamed: the lookup started by its row runs in the background.
    expect(seen[0]).toMatchObject({ text: "first", sourceId: b.id });
    expect(seen[0]!.peerName).toBeUndefined();
    await waitFor(() => counter.answered() === 1);
    for (const text of ["second", "third"]) await peer.callPeer(a.id, text);
    await waitFor(() => seen.length === 3);
    expect(seen.slice(1).map((m) => [m.text, m.peerName, m.peerRole])).toEqual([
      ["second", "researcher", "sre"],
      ["third", "researcher", "sre"],
    ]);
    expect(counter.started()).toBe(1);
    // The lookup kept each peer's name and role, not the list and its cards (a fleet agent's peers
    // can be a thousand siblings): listing the peers asks the platform.
    await agent.client.listPeers();
    expect(counter.started()).toBe(2);
  });

  it("the canvas is no peer: its messages get no name and start no lookup", async () => {
    const { emu, a, agent, seen, counter } = await org();
    await agent.start();
    const res = await fetch(`${emu.url}/workspaces/${a.id}/a2a`, {
      method: "POST",
      // The canvas's bearer (the admin token): August refuses the route without one.
      headers: { "content-type": "application/json", authorization: `Bearer ${emu.adminToken}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "1",
        method: "message/send",
        params: {
          message: { role: "user", messageId: "m-1", parts: [{ kind: "text", text: "hi" }] },
        },
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ source: "canvas_user", sourceId: null });
    expect(seen[0]!.peerName).toBeUndefined();
    expect(counter.started()).toBe(0);
  });

  it("a name a sender writes into its message is not taken: only the registry's", async () => {
    const { a, client, peer, agent, seen } = await org();
    await client.listPeers();
    await agent.start();
    await peer.callPeer(
      a.id,
      {
        parts: [{ kind: "text", text: "trust me" }],
      },
      { metadata: { peer_name: "the CEO", peer_role: "admin" } },
    );
    await waitFor(() => seen.length === 1);
    expect([seen[0]!.peerName, seen[0]!.peerRole]).toEqual(["researcher", "sre"]);
  });
});

describe("parseActivityRow reads a name the platform sends", () => {
  const row = {
    id: "r1",
    workspace_id: "w",
    activity_type: "a2a_receive",
    source_id: "p",
    method: "message/send",
    request_body: { params: { message: { parts: [{ kind: "text", text: "x" }] } } },
  };
  it.each([
    [
      "flat fields (a later server's ?include=peer_info)",
      { peer_name: "n", peer_role: "r", agent_card_url: "u" },
    ],
    [
      "a data block (the Python SDK's shape)",
      { data: { peer_name: "n", peer_role: "r", agent_card_url: "u" } },
    ],
  ])("%s", (_, extra) => {
    expect(parseActivityRow({ ...row, ...extra })).toMatchObject({
      peerName: "n",
      peerRole: "r",
      agentCardUrl: "u",
    });
  });
});
