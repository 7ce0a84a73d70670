// The Worker under `wrangler dev` on the August-2026 platform (the server users run today),
// registered as a deploy step would: its peers include the seeded Org Concierge (offline, no URL),
// which every workspace lands under, and a peer's message is answered after it asks the peer the
// question names.
import { generatePathSecret, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWrangler, type Wrangler } from "./wrangler.js";

let emu: Emulator;
let wrangler: Wrangler | undefined;
const clients: PlatformClient[] = [];
let checker: RemoteAgent<PlatformClient> | undefined;
let workerId: string;
let caller: PlatformClient;
const heard: string[] = [];

async function workspace(name: string) {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  clients.push(client);
  return { id: w.id, token, client };
}

beforeAll(async () => {
  // The Worker and the peer listen on 127.0.0.1, which the real server would refuse to register.
  emu = await startEmulator({ compat: "2026-08", lenientAgentUrls: true });
  const worker = await workspace("Writer");
  workerId = worker.id;
  caller = (await workspace("Caller")).client;
  const fact = await workspace("Fact Checker");
  checker = new RemoteAgent({
    client: fact.client,
    logger: {},
    delivery: { mode: "push", port: 0 },
    handler: (msg) => {
      heard.push(msg.text);
      return "Verified: true.";
    },
  });
  await checker.start();
  const pathSecret = generatePathSecret();
  wrangler = await startWrangler({
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: worker.id,
    MOLECULE_WORKSPACE_TOKEN: worker.token,
    MOLECULE_PATH_SECRET: pathSecret,
  });
  const url = await wrangler.url;
  // The deploy step: register the Worker's push URL once.
  await worker.client.register({ url: `${url}/a2a/${pathSecret}`, agentCard: { name: "Writer" } });
}, 120_000);

afterAll(async () => {
  await wrangler?.stop();
  await checker?.stop();
  for (const c of clients) await c.close();
  await emu?.close();
});

it("answers a peer's message after asking the peer it names, the Org Concierge among its peers", async () => {
  const peers = await caller.listPeers();
  expect(peers.map((p) => p.name)).toContain("Org Concierge");
  const question = "Is this tagline accurate? Ask the fact checker.";
  const result = await caller.callPeer(workerId, question, { contextId: "ctx-august" });
  if (result.status !== "completed") throw new Error(`${result.status}:\n${wrangler?.output()}`);
  expect(heard).toEqual([question]);
  expect(result.text).toContain("According to call_fact_checker:");
  expect(result.text).toContain("Verified: true.");
}, 60_000);
