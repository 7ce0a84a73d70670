// #79: `call_peer` takes a peer's name as `molecule-agent send` does (any case, looked up among
// the workspace's peers), not only its workspace id; a name no peer has, or several peers have,
// is refused naming the peers (or their ids) to pick from. In process, against the emulator.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, expect, it } from "vitest";
import { MoleculeMcp, readMcpConfig } from "../src/index.js";
import { structured, tempDir, textOf } from "./helpers.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

it("call_peer: a peer's name (any case) reaches it; an unknown or shared name is refused, naming the choices", async () => {
  const platform = await startTestPlatform({ name: "host" });
  cleanups.push(() => platform.close());
  const echo = await platform.addWorkspace("Echo Bot");
  const agent = new RemoteAgent({
    client: echo.client(),
    handler: (m) => `You said: ${m.text}`,
    logger: {},
  });
  await agent.start();
  cleanups.push(() => agent.stop());
  await platform.addWorkspace("twin");
  await platform.addWorkspace("twin");
  const silent = await platform.addWorkspace("Silent"); // no agent: never answers

  const state = tempDir();
  cleanups.push(state.remove);
  const molecule = new MoleculeMcp(
    readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
    { logger: {} },
  );
  await molecule.start();
  cleanups.push(() => molecule.stop());
  const [hostSide, serverSide] = InMemoryTransport.createLinkedPair();
  await molecule.createServer().connect(serverSide);
  const host = new Client({ name: "test-host", version: "1.0.0" });
  await host.connect(hostSide);
  cleanups.push(() => host.close());

  const answered = await host.callTool({
    name: "call_peer",
    arguments: { peerId: "echo bot", message: "hello by name", timeoutSeconds: 60 },
  });
  expect(answered.isError).toBeFalsy();
  expect(structured<{ peerId: string; status: string }>(answered)).toMatchObject({
    peerId: echo.id,
    status: "completed",
  });
  expect(textOf(answered)).toContain("You said: hello by name");

  // A peer called by name is named `"name" (id)` where the result speaks of it.
  const waited = await host.callTool({
    name: "call_peer",
    arguments: { peerId: "silent", message: "anyone?", timeoutSeconds: 1 },
  });
  expect(structured<{ status: string }>(waited).status).toBe("pending");
  expect(textOf(waited)).toMatch(
    new RegExp(`^Peer "Silent" \\(${silent.id}\\) has not answered within 1 s`),
  );

  const unknown = await host.callTool({
    name: "call_peer",
    arguments: { peerId: "nobody", message: "hi" },
  });
  expect(unknown.isError).toBe(true);
  expect(textOf(unknown)).toMatch(
    /^no peer of workspace \S+ is named "nobody" \(its peers: .*"Echo Bot".*\): pass a peer's name or a workspace id$/,
  );

  const shared = await host.callTool({
    name: "call_peer",
    arguments: { peerId: "TWIN", message: "hi" },
  });
  expect(shared.isError).toBe(true);
  expect(textOf(shared)).toMatch(
    /^2 peers of workspace \S+ are named "TWIN" \([0-9a-f-]{36}, [0-9a-f-]{36}\): pass the workspace id$/,
  );
});
