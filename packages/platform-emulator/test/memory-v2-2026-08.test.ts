/* oxlint-disable typescript/no-explicit-any */
// Memory v2 on compat "2026-08" beyond the recording (handlers/memories_v2.go, memory/namespace/
// resolver.go, memory/pgplugin/store.go at enteros-core aeec8e47): the namespaces a workspace
// reads and writes, search by text, namespace, kind and limit, forget, and a server without the
// memory sidecar (`memoryPlugin: false`: 503 on every memory route).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, req } from "./helpers.js";

interface W {
  id: string;
  token: string;
}

async function make(emu: Emulator, name: string, parentId?: string): Promise<W> {
  const c = await emu.admin.createWorkspace({ name, ...(parentId ? { parentId } : {}) });
  return { id: c.id, token: c.token as string };
}

const write = (emu: Emulator, w: W, content: string, scope: string, token = w.token) =>
  req(emu, "POST", `/workspaces/${w.id}/memories`, { body: { content, scope }, token });
const v2 = (emu: Emulator, w: W, query = "", token = w.token) =>
  req(emu, "GET", `/workspaces/${w.id}/v2/memories${query}`, { token });

/** A set-up write must have been stored (`201`); anything else stops the suite's set-up. */
function wrote(r: { status: number }): void {
  if (r.status !== 201) throw new Error(`set-up write answered ${r.status}, not 201`);
}

describe("compat 2026-08: memory v2", () => {
  let emu: Emulator;
  /** The org's root (the seeded concierge when the contract has one, else `lead`). */
  let root: W;
  let lead: W;
  let a: W;
  let b: W;
  let other: W;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-08" });
    lead = await make(emu, "lead");
    const parent = (await emu.admin.getWorkspace(lead.id)).parent_id as string | null;
    root = parent === null ? lead : { id: parent, token: emu.adminToken };
    a = await make(emu, "writer-a", lead.id);
    b = await make(emu, "writer-b", lead.id);
    other = await make(emu, "other-team", root.id);
    for (const [w, text, scope] of [
      [a, "the deploy runbook says restart the workers", "LOCAL"],
      [a, "team rule: deploys wait for the green build", "TEAM"],
      [b, "b keeps its own note about deploying", "LOCAL"],
      [b, "team fact: staging runs on port 8080", "TEAM"],
      [other, "another team deploys on fridays", "TEAM"],
    ] as const)
      wrote(await write(emu, w, text, scope));
    // Only the root may write its org namespace (the admin bearer passes the route's auth).
    wrote(await write(emu, root, "org-wide: deploy freeze in december", "GLOBAL"));
  });
  afterAll(() => emu.close());

  it("namespaces: workspace, team (the parent), org (the root); only a root writes org", async () => {
    const r = await req(emu, "GET", `/workspaces/${a.id}/v2/namespaces`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.json.readable).toEqual([
      { name: `workspace:${a.id}`, kind: "workspace", label: "Workspace (writer-a)" },
      { name: `team:${lead.id}`, kind: "team", label: "Team (lead)" },
      { name: `org:${root.id}`, kind: "org", label: expect.stringMatching(/^Org \(.+\)$/) },
    ]);
    expect(r.json.writable.map((n: any) => n.kind)).toEqual(["workspace", "team"]);
    const forbidden = await write(emu, a, "not mine to say", "GLOBAL");
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toEqual({ error: "only root workspaces can write GLOBAL memories" });
  });

  it("lists every readable namespace newest first, in the v2 shape", async () => {
    const r = await v2(emu, a);
    expect(r.status).toBe(200);
    expect(r.json.memories.map((m: any) => m.content)).toEqual([
      "org-wide: deploy freeze in december",
      "team fact: staging runs on port 8080",
      "team rule: deploys wait for the green build",
      "the deploy runbook says restart the workers",
    ]);
    expect(Object.keys(r.json.memories[0]).sort()).toEqual(
      ["content", "created_at", "id", "kind", "namespace", "pin", "source"].sort(),
    );
    expect(r.json.memories[0]).toMatchObject({
      namespace: `org:${root.id}`,
      kind: "fact",
      source: "user",
      pin: false,
    });
    // The v1 shim lists the same rows, as LOCAL/TEAM/GLOBAL, ignoring its old parameters.
    const v1 = await req(emu, "GET", `/workspaces/${a.id}/memories?scope=LOCAL&q=zzz&limit=1`, {
      token: a.token,
    });
    expect(v1.json.map((m: any) => `${m.scope}|${m.content}`)).toEqual([
      "GLOBAL|org-wide: deploy freeze in december",
      "TEAM|team fact: staging runs on port 8080",
      "TEAM|team rule: deploys wait for the green build",
      "LOCAL|the deploy runbook says restart the workers",
    ]);
    expect(v1.json[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("searches by full text (stems, every word), with a score; one byte is a substring", async () => {
    const deploys = await v2(emu, a, "?q=deploy");
    expect(deploys.json.memories.map((m: any) => m.content).sort()).toEqual(
      [
        "org-wide: deploy freeze in december",
        "team rule: deploys wait for the green build",
        "the deploy runbook says restart the workers",
      ].sort(),
    );
    for (const m of deploys.json.memories) expect(typeof m.score).toBe("number");
    const both = await v2(emu, a, "?q=green%20deploys");
    expect(both.json.memories.map((m: any) => m.content)).toEqual([
      "team rule: deploys wait for the green build",
    ]);
    const none = await v2(emu, a, "?q=kubernetes");
    expect(none.json).toEqual({ memories: [] });
    const oneByte = await v2(emu, a, "?q=8");
    expect(oneByte.json.memories.map((m: any) => m.content)).toEqual([
      "team fact: staging runs on port 8080",
    ]);
    expect(oneByte.json.memories[0]).not.toHaveProperty("score");
  });

  it("filters by a readable namespace, kind and limit; another team's namespace is empty", async () => {
    const team = await v2(emu, a, `?namespace=${encodeURIComponent(`team:${lead.id}`)}`);
    expect(team.json.memories.map((m: any) => m.content)).toEqual([
      "team fact: staging runs on port 8080",
      "team rule: deploys wait for the green build",
    ]);
    const foreign = await v2(emu, a, `?namespace=${encodeURIComponent(`team:${root.id}`)}`);
    expect(foreign.status).toBe(200);
    expect(foreign.json).toEqual({ memories: [] });
    const own = await v2(emu, b, `?namespace=${encodeURIComponent(`workspace:${a.id}`)}`);
    expect(own.json).toEqual({ memories: [] });
    expect((await v2(emu, a, "?limit=2")).json.memories).toHaveLength(2);
    expect((await v2(emu, a, "?limit=abc")).json.memories).toHaveLength(4);
    expect((await v2(emu, a, "?kind=summary")).json).toEqual({ memories: [] });
    expect((await v2(emu, a, "?kind=fact")).json.memories).toHaveLength(4);
    const bad = await v2(emu, a, "?kind=opinion");
    expect(bad.status).toBe(502);
    expect(bad.json).toEqual({ error: "memory plugin search failed" });
  });

  it("forgets only rows of the workspace's own namespace", async () => {
    const rows = (await v2(emu, b)).json.memories as any[];
    const bLocal = rows.find((m) => m.namespace === `workspace:${b.id}`).id as string;
    const teamRow = rows.find((m) => m.content.startsWith("team fact")).id as string;
    const del = (w: W, memoryId: string, token = w.token) =>
      req(emu, "DELETE", `/workspaces/${w.id}/v2/memories/${memoryId}`, { token });
    // Another workspace's row, a team row (even the writer's), an unknown id: all 404.
    for (const [w, id] of [
      [a, bLocal],
      [b, teamRow],
      [b, "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f"],
    ] as const) {
      const r = await del(w, id);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: "memory not found" });
    }
    const notUuid = await del(b, "not-a-uuid");
    expect(notUuid.status).toBe(502);
    expect(notUuid.json).toEqual({ error: "memory plugin delete failed" });
    expect((await del(b, bLocal, "wrong-token")).status).toBe(401);
    const ok = await del(b, bLocal);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ status: "deleted" });
    expect((await del(b, bLocal)).status).toBe(404);
    expect(((await v2(emu, b)).json.memories as any[]).map((m) => m.id)).not.toContain(bLocal);
  });

  it("has no v1 DELETE or PATCH and no v2 POST (gin's 404)", async () => {
    const id = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
    for (const [method, path] of [
      ["DELETE", `/workspaces/${a.id}/memories/${id}`],
      ["PATCH", `/workspaces/${a.id}/memories/${id}`],
      ["POST", `/workspaces/${a.id}/v2/memories`],
    ] as const) {
      const r = await req(emu, method, path, { token: a.token, body: { content: "x" } });
      expect(r.status).toBe(404);
      expect(r.text).toBe("404 page not found");
    }
  });

  it("an unknown workspace cannot resolve its namespaces", async () => {
    const unknown = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
    const get = (p: string) =>
      req(emu, "GET", `/workspaces/${unknown}/${p}`, { token: emu.adminToken });
    expect((await get("v2/memories")).json).toEqual({ error: "failed to resolve namespaces" });
    expect((await get("v2/namespaces")).json).toEqual({
      error: "failed to resolve readable namespaces",
    });
    expect((await get("memories")).status).toBe(500);
  });
});

describe("compat 2026-08 with memoryPlugin: false (no MEMORY_PLUGIN_URL)", () => {
  let emu: Emulator;
  let w: W;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-08", memoryPlugin: false });
    w = await make(emu, "no-sidecar");
  });
  afterAll(() => emu.close());

  it("answers every memory route 503, after the write's own checks", async () => {
    const body = { error: "memory plugin is not configured (set MEMORY_PLUGIN_URL)" };
    const id = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
    for (const [method, path, payload] of [
      ["POST", "memories", { content: "x", scope: "LOCAL" }],
      ["GET", "memories", undefined],
      ["GET", "v2/memories", undefined],
      ["GET", "v2/namespaces", undefined],
      ["DELETE", `v2/memories/${id}`, undefined],
    ] as const) {
      const r = await req(emu, method, `/workspaces/${w.id}/${path}`, {
        token: w.token,
        ...(payload !== undefined ? { body: payload } : {}),
      });
      expect([method, path, r.status, r.json]).toEqual([method, path, 503, body]);
    }
    // The body and scope checks come first, as in the handler.
    const bad = await req(emu, "POST", `/workspaces/${w.id}/memories`, {
      token: w.token,
      body: { content: "x", scope: "local" },
    });
    expect(bad.status).toBe(400);
    // Auth still comes first of all.
    expect((await req(emu, "GET", `/workspaces/${w.id}/v2/memories`)).status).toBe(401);
  });
});
