// A peer that polls for its messages has no address of its own (#77): the August-2026 platform's
// discovery answers its internal `http://ws-<id>:8000` (shared/reference/platform-hosted.md,
// `discovery.go` `discoverWorkspacePeer` at enteros-core aeec8e47; injected here, as the emulator
// answers an empty URL with `delivery_mode: "poll"`). `discoverPeer` says the address is internal,
// and `via: "direct"` refuses the call with `peer_polls` instead of trying to connect; through the
// platform (the default) the message is queued for the peer to take.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { MoleculeError, PlatformClient } from "../src/index.js";

let emu: Emulator;
let caller: PlatformClient;
let poller: PlatformClient;

beforeAll(async () => {
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  const peer = await emu.admin.createWorkspace({ name: "poller" });
  poller = new PlatformClient({ platformUrl: emu.url, workspaceId: peer.id, token: peer.token! });
  await poller.register({ agentCard: { name: "poller" }, deliveryMode: "poll" });
});

afterAll(async () => {
  await caller?.close();
  await poller?.close();
  await emu?.close();
});

async function capture(p: Promise<unknown>): Promise<MoleculeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MoleculeError) return err;
    throw err;
  }
  throw new Error("expected a MoleculeError");
}

describe.each([
  ["the August-2026 server's internal address", (id: string) => `http://ws-${id}:8000`],
  [
    "an older server's 12-character container name",
    (id: string) => `http://ws-${id.slice(0, 12)}:8000`,
  ],
  ["the emulator's empty URL", undefined],
] as const)("a poll peer discovered with %s", (_, internalUrl) => {
  const inject = (): void => {
    if (internalUrl === undefined) return;
    emu.injectFault({
      method: "GET",
      path: `/registry/discover/${poller.workspaceId}`,
      status: 200,
      body: { id: poller.workspaceId, url: internalUrl(poller.workspaceId), name: "poller" },
    });
  };

  it("discoverPeer marks its URL internal", async () => {
    inject();
    const d = await caller.discoverPeer(poller.workspaceId, { fresh: true });
    expect(d).toMatchObject({ id: poller.workspaceId, name: "poller", internal: true });
    caller.invalidatePeer(poller.workspaceId);
  });

  it('callPeer via: "direct" fails peer_polls, naming the platform as the way; peerTasks too', async () => {
    inject();
    const err = await capture(caller.callPeer(poller.workspaceId, "hi", { via: "direct" }));
    expect(err).toMatchObject({ code: "peer_polls", retryable: false });
    expect(err.message).toContain(`peer ${poller.workspaceId} polls the platform`);
    expect(err.message).toContain('via: "proxy", the default');
    caller.invalidatePeer(poller.workspaceId);
    inject();
    const tasks = caller.peerTasks(poller.workspaceId, { via: "direct" });
    expect(await capture(tasks.start("hi"))).toMatchObject({ code: "peer_polls" });
    caller.invalidatePeer(poller.workspaceId);
  });
});

it("through the platform (the default) a poll peer's message is queued for it", async () => {
  const r = await caller.callPeer(poller.workspaceId, "queued for the poller");
  expect(r.status).toBe("queued");
});

it("a push peer's discovered URL is not internal", async () => {
  const push = await emu.admin.createWorkspace({ name: "pusher", url: "http://localhost:9/a2a" });
  expect(await caller.discoverPeer(push.id)).toMatchObject({
    url: "http://localhost:9/a2a",
    internal: false,
  });
});
