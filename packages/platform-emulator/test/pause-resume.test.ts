// Pause -> Resume of a push workspace (issue #49, #77): pause blanks the URL, as the real server
// does; resume answers `200 {"status":"provisioning","resumed_count"}` and re-provisions
// (`workspace_restart.go` 655-727 at 50c3bdfd, 1920-2230 at aeec8e47): the workspace is
// `provisioning` (the provision itself, which a tenant fails for an external workspace, is not
// emulated). A heartbeat lifts it to "online" but the URL stays blank: on the May-2026 server calls
// get 503 "workspace has no URL" until the agent registers again; on the August-2026 one a call
// while it is `provisioning` is queued, and a heartbeat after the agent registered again delivers
// that call (`a2a_proxy.go` 935-947, `registry.go` 3275-3295 at aeec8e47). 2026-08 pauses and resumes
// descendants only with `?cascade=true`.
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

it("2026-05: after pause and resume a heartbeat lifts provisioning to online, calls still get 503 without a URL, and registering again brings them back", async () => {
  const { emu, id, status, heartbeat, call, register } = await setup("2026-05");
  expect(await status()).toBe("online");
  await emu.admin.pause(id);
  await emu.admin.resume(id);
  expect(await status()).toBe("provisioning");
  expect((await call()).json).toEqual({ error: "workspace has no URL", status: "provisioning" });
  expect((await heartbeat()).status).toBe(200);
  expect(await status()).toBe("online");
  const refused = await call();
  expect(refused.status).toBe(503);
  expect(refused.json).toEqual({ error: "workspace has no URL", status: "online" });
  expect((await register()).status).toBe(200);
  expect(await status()).toBe("online");
  expect((await call()).status).toBe(200);
});

it("latest (August 2026): resume answers provisioning; a call while provisioning is queued, and delivered by a heartbeat once the agent registered again", async () => {
  const { emu, id, status, heartbeat, call, register } = await setup("latest");
  await emu.admin.pause(id);
  const r = await req(emu, "POST", `/workspaces/${id}/resume`, { token: emu.adminToken });
  expect([r.status, r.json]).toEqual([200, { status: "provisioning", resumed_count: 1 }]);
  expect(await status()).toBe("provisioning");
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

it.each([
  ["latest", "paused"],
  ["2026-05", "online"],
] as const)(
  "%s: registering while paused answers 200 and leaves it %s; the workspace's own token resumes it",
  async (compat, after) => {
    // 2026-08's register upsert skips a paused row (registry.go 1067-1147 at aeec8e47, b7bf53f0;
    // recorded on that server as a tenant, 2026-11-27); 50c3bdfd's skips only a removed one.
    const { emu, id, status, heartbeat, register } = await setup(compat);
    await emu.admin.pause(id);
    expect((await register()).status).toBe(200);
    expect((await heartbeat()).status).toBe(200);
    expect(await status()).toBe(after);
    if (after === "online") return;
    const token = (await emu.admin.createToken(id)) as string;
    const r = await req(emu, "POST", `/workspaces/${id}/resume`, { token });
    expect([r.status, r.json]).toEqual([200, { status: "provisioning", resumed_count: 1 }]);
    expect((await register()).status).toBe(200);
    expect(await status()).toBe("online");
  },
);

/** A root with a child and a grandchild, each with its agent's URL, on a fresh emulator. */
async function tree(compat: "latest" | "2026-05" | "2026-04") {
  const emu = await emulator({ compat });
  emus.push(emu);
  const url = (agent as Agent).url;
  const root = await makeWs(emu, "root", { url });
  const child = await makeWs(emu, "child", { url, parentId: root.id });
  const grandchild = await makeWs(emu, "grandchild", { url, parentId: child.id });
  const post = async (path: string) => {
    const r = await req(emu, "POST", path, { token: emu.adminToken });
    return [r.status, r.json] as const;
  };
  const statuses = async () =>
    Promise.all(
      [root, child, grandchild].map(
        async (w) => (await req(emu, "GET", `/workspaces/${w.id}`)).json.status as string,
      ),
    );
  return { emu, root, child, grandchild, post, statuses };
}

const PARENT_PAUSED = [409, { error: 'parent workspace "root" is paused — resume it first' }];

it("2026-08 pauses a subtree only with ?cascade=true: without it 409 names the descendants and nothing moves", async () => {
  const { root, child, grandchild, post, statuses } = await tree("latest");
  expect(await post(`/workspaces/${root.id}/pause`)).toEqual([
    409,
    {
      error: "workspace has descendants — use ?cascade=true to pause all",
      descendants: [
        { id: child.id, name: "child" },
        { id: grandchild.id, name: "grandchild" },
      ],
    },
  ]);
  expect(await statuses()).toEqual(["online", "online", "online"]);
  expect(await post(`/workspaces/${root.id}/pause?cascade=true`)).toEqual([
    200,
    { status: "paused", paused_count: 3 },
  ]);
  expect(await statuses()).toEqual(["paused", "paused", "paused"]);
});

it("2026-08 resumes from the top only, and a subtree only with ?cascade=true", async () => {
  const { root, child, post, statuses } = await tree("latest");
  await post(`/workspaces/${root.id}/pause?cascade=true`);
  expect(await post(`/workspaces/${child.id}/resume?cascade=true`)).toEqual(PARENT_PAUSED);
  const refused = await post(`/workspaces/${root.id}/resume`);
  expect(refused[0]).toBe(409);
  expect(refused[1]).toMatchObject({
    error: "workspace has descendants — use ?cascade=true to resume all",
  });
  expect(await statuses()).toEqual(["paused", "paused", "paused"]);
  expect(await post(`/workspaces/${root.id}/resume?cascade=true`)).toEqual([
    200,
    { status: "provisioning", resumed_count: 3 },
  ]);
  expect(await statuses()).toEqual(["provisioning", "provisioning", "provisioning"]);
  expect(await post(`/workspaces/${root.id}/resume`)).toEqual([
    404,
    { error: "workspace not found or not paused" },
  ]);
});

it("2026-05 cascades always and reads no query: the subtree is paused and resumed (provisioning)", async () => {
  const { root, child, post, statuses } = await tree("2026-05");
  expect(await post(`/workspaces/${root.id}/pause`)).toEqual([
    200,
    { status: "paused", paused_count: 3 },
  ]);
  expect(await post(`/workspaces/${child.id}/resume`)).toEqual(PARENT_PAUSED);
  expect(await post(`/workspaces/${root.id}/resume`)).toEqual([
    200,
    { status: "provisioning", resumed_count: 3 },
  ]);
  expect(await statuses()).toEqual(["provisioning", "provisioning", "provisioning"]);
});

it("2026-04 cascades a pause always; without a provisioner it refuses an external workspace's resume before it looks at the parent", async () => {
  const { root, child, post, statuses } = await tree("2026-04");
  expect(await post(`/workspaces/${root.id}/pause?cascade=true`)).toEqual([
    200,
    { status: "paused", paused_count: 3 },
  ]);
  expect(await statuses()).toEqual(["paused", "paused", "paused"]);
  expect(await post(`/workspaces/${child.id}/resume`)).toEqual([
    503,
    { error: "provisioner not available" },
  ]);
});
