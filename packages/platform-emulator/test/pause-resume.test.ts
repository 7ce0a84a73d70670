// Pause -> Resume of a push workspace (issue #49): pause blanks the URL, as the real server does,
// so after resume the workspace is `awaiting_agent` until its agent registers again. A heartbeat
// lifts `awaiting_agent` to "online" as the newer servers' do (#2382, `registry.go` 768-777 at
// 50c3bdfd), but the URL stays blank. On the May-2026 server calls get 503 "workspace has no URL"
// until the agent registers again; on the August-2026 one a call while it is `awaiting_agent` is
// queued, and a heartbeat after the agent registered again delivers it (`a2a_proxy.go` 935-947,
// `registry.go` 3275-3295 at aeec8e47).
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { type Agent, emulator, envelope, makeWs, req, startAgent, type Ws } from "./helpers.js";

let agent: Awaited<ReturnType<typeof startAgent>>;
const emus: Emulator[] = [];
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await Promise.all(emus.map((e) => e.close()));
  await agent?.close();
});

/** A push workspace at `agent`'s URL on a fresh emulator speaking `compat`. */
async function setup(compat: "latest" | "2026-05") {
  const emu = await emulator({ compat });
  emus.push(emu);
  const w: Ws = await makeWs(emu, "writer", { url: (agent as Agent).url });
  const status = async (): Promise<string> =>
    (await req(emu, "GET", `/workspaces/${w.id}`)).json.status as string;
  const heartbeat = () =>
    req(emu, "POST", "/registry/heartbeat", { body: { workspace_id: w.id }, token: w.token });
  /** A canvas call (the admin token: the August canvas route wants a bearer). */
  const call = (text = "draft it") =>
    req(emu, "POST", `/workspaces/${w.id}/a2a`, { body: envelope(text), token: emu.adminToken });
  const register = () =>
    req(emu, "POST", "/registry/register", {
      body: { id: w.id, url: (agent as Agent).url, agent_card: { name: "writer" } },
      token: w.token,
    });
  return { emu, id: w.id, status, heartbeat, call, register };
}

const texts = (): string[] =>
  (agent.received as { params: { message: { parts: { text: string }[] } } }[]).map(
    (b) => b.params.message.parts[0]!.text,
  );

it("2026-05: after pause and resume a heartbeat lifts awaiting_agent to online, calls still get 503 without a URL, and registering again brings them back", async () => {
  const { emu, id, status, heartbeat, call, register } = await setup("2026-05");
  expect(await status()).toBe("online");
  await emu.admin.pause(id);
  await emu.admin.resume(id);
  expect(await status()).toBe("awaiting_agent");
  expect((await call()).json).toEqual({ error: "workspace has no URL", status: "awaiting_agent" });
  expect((await heartbeat()).status).toBe(200);
  expect(await status()).toBe("online");
  const refused = await call();
  expect(refused.status).toBe(503);
  expect(refused.json).toEqual({ error: "workspace has no URL", status: "online" });
  expect((await register()).status).toBe(200);
  expect(await status()).toBe("online");
  expect((await call()).status).toBe(200);
});

it("latest (August 2026): a call while awaiting_agent is queued, and delivered by a heartbeat once the agent registered again", async () => {
  const { emu, id, status, heartbeat, call, register } = await setup("latest");
  await emu.admin.pause(id);
  await emu.admin.resume(id);
  expect(await status()).toBe("awaiting_agent");
  const queued = await call("queued while away");
  expect(queued.status).toBe(202);
  expect(queued.json).toMatchObject({ queued: true, queue_id: expect.any(String), queue_depth: 1 });
  // Logged for the workspace as it waits (`logA2ABusyQueued`).
  expect(emu.activity(id).map((r) => r["summary"])).toContain(
    "message/send → writer (queued: target busy)",
  );
  // Online without a URL: no longer settling, a call is refused; the queued one stays queued.
  expect((await heartbeat()).status).toBe(200);
  expect(await status()).toBe("online");
  expect((await call()).json).toEqual({ error: "workspace has no URL", status: "online" });
  expect(texts()).not.toContain("queued while away");
  expect((await register()).status).toBe(200);
  expect((await call()).status).toBe(200);
  // The next heartbeat drains the queue to the URL registered again.
  await heartbeat();
  await waitFor(() => texts().includes("queued while away"));
});
