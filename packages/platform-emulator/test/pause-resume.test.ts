// Pause -> Resume of a push workspace (issue #49): pause blanks the URL, as the real server does,
// so after resume the workspace is `awaiting_agent` until its agent registers again. A heartbeat
// lifts `awaiting_agent` to "online" as the newer server's does (#2382, `registry.go` 768-777 at
// 50c3bdfd), but the URL stays blank: calls get 503 "workspace has no URL" until the agent
// registers again.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { type Agent, emulator, envelope, makeWs, req, startAgent, type Ws } from "./helpers.js";

let emu: Emulator;
let agent: Agent;
let w: Ws;
beforeAll(async () => {
  emu = await emulator({ compat: "latest" });
  agent = await startAgent();
  w = await makeWs(emu, "writer", { url: agent.url });
});
afterAll(async () => {
  await emu?.close();
  await agent?.close();
});

const status = async (): Promise<string> =>
  (await req(emu, "GET", `/workspaces/${w.id}`)).json.status as string;
const heartbeat = () =>
  req(emu, "POST", "/registry/heartbeat", { body: { workspace_id: w.id }, token: w.token });
/** A canvas call (the admin token: the August canvas route wants a bearer). */
const call = () =>
  req(emu, "POST", `/workspaces/${w.id}/a2a`, {
    body: envelope("draft it"),
    token: emu.adminToken,
  });

it("after pause and resume a heartbeat lifts awaiting_agent to online, calls still get 503 without a URL, and registering again brings them back", async () => {
  expect(await status()).toBe("online");
  await emu.admin.pause(w.id);
  await emu.admin.resume(w.id);
  expect(await status()).toBe("awaiting_agent");
  expect((await call()).json).toEqual({ error: "workspace has no URL", status: "awaiting_agent" });
  expect((await heartbeat()).status).toBe(200);
  expect(await status()).toBe("online");
  const refused = await call();
  expect(refused.status).toBe(503);
  expect(refused.json).toEqual({ error: "workspace has no URL", status: "online" });
  const again = await req(emu, "POST", "/registry/register", {
    body: { id: w.id, url: agent.url, agent_card: { name: "writer" } },
    token: w.token,
  });
  expect(again.status).toBe(200);
  expect(await status()).toBe("online");
  expect((await call()).status).toBe(200);
});
