/* oxlint-disable typescript/no-explicit-any */
// The August-2026 delegation list row by row against the recording
// (`GET /workspaces/C1/delegations (C1 token)` of real-server-2026-08-workspace-features.json):
// `direction`, the failed `delegate_result` row of an agent-reported failure, and every row's
// `response_preview` (the `delegation_id` body the server stores since mc#984, printed as jsonb).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, makeWs, req, startAgent, until, type Ws } from "./helpers.js";

const UNKNOWN = "00000000-0000-4000-8000-0000000000aa";
const recording = JSON.parse(
  readFileSync(
    fileURLToPath(
      new URL("./fixtures/real-server-2026-08-workspace-features.json", import.meta.url),
    ),
    "utf8",
  ),
) as { org: Record<string, string>; cases: { case: string; body: string }[] };

/** A listed row with ids replaced by the org's names, and no id or time. */
function comparable(row: any, names: Map<string, string>): Record<string, unknown> {
  const name = (s: string): string => names.get(s) ?? s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === "id" || k === "created_at") continue;
    out[k] = typeof v === "string" ? v.replace(/[0-9a-f-]{36}/g, name) : v;
  }
  return out;
}

describe("GET /workspaces/:id/delegations on 2026-08", () => {
  let emu: Emulator;
  const ws: Record<string, Ws> = {};
  beforeAll(async () => {
    emu = await emulator();
    ws["R1"] = await makeWs(emu, "R1");
    ws["C1"] = await makeWs(emu, "C1", { parentId: ws["R1"].id });
    ws["R2"] = await makeWs(emu, "R2");
    ws["D1"] = await makeWs(emu, "D1", { parentId: ws["R2"].id });
  });
  afterAll(async () => emu.close());

  it("lists record/update rows as the recorded server does, row by row", async () => {
    const C1 = ws["C1"] as Ws;
    const P = `/workspaces/${C1.id}/delegations`;
    const rec = (o: Record<string, unknown>, token = C1.token) =>
      req(emu, "POST", `${P}/record`, {
        body: { delegation_id: "del-1", target_id: ws["R1"]?.id, task: "a task", ...o },
        token,
      });
    const upd = (d: string, body: Record<string, unknown>, token = C1.token) =>
      req(emu, "POST", `${P}/${d}/update`, { body, token });
    await rec({});
    await rec({});
    await rec({ delegation_id: "del-2", target_id: ws["D1"]?.id });
    await rec({ delegation_id: "del-3", target_id: UNKNOWN });
    await rec({ delegation_id: "del-self", target_id: C1.id });
    await rec({ delegation_id: "del-admin" }, emu.adminToken);
    await upd("del-1", { status: "completed", response_preview: "the summary" });
    const failed = await upd("del-2", { status: "failed", error: "peer refused" });
    expect(failed.text).toBe('{"delegation_id":"del-2","status":"failed"}'); // gin.H: sorted keys
    await upd("del-1", { status: "completed" });
    await upd("no-such-delegation", { status: "completed" });
    await upd("del-1", { status: "failed", error: "admin says no" }, emu.adminToken);
    const list = await req(emu, "GET", P, { token: C1.token });
    expect(list.status).toBe(200);

    const ours = new Map(Object.entries(ws).map(([n, w]) => [w.id, n]));
    const theirs = new Map(Object.entries(recording.org).map(([n, id]) => [id, n]));
    const recorded = JSON.parse(
      recording.cases.find((c) => c.case === "GET /workspaces/C1/delegations (C1 token)")
        ?.body as string,
    ) as any[];
    expect(list.json.map((r: any) => comparable(r, ours))).toEqual(
      recorded.map((r) => comparable(r, theirs)),
    );
    // The failed update row, spelled out.
    expect(list.json[3]).toMatchObject({
      summary: "Delegation failed (peer refused)",
      status: "failed",
      direction: "sent",
      error: "peer refused",
      response_preview: '{"error": "peer refused", "delegation_id": "del-2"}',
    });
  });

  it("a /delegate row and its failure row carry response_body {delegation_id}", async () => {
    const agent = await startAgent();
    try {
      const src = await makeWs(emu, "src", { url: agent.url });
      const dst = await makeWs(emu, "dst", { url: "http://localhost:9/unreachable" });
      const r = await req(emu, "POST", `/workspaces/${src.id}/delegate`, {
        body: { target_id: dst.id, task: "t" },
        token: src.token,
      });
      expect(r.status).toBe(202);
      const id = r.json.delegation_id;
      let rows: any[] = [];
      await until(() => {
        rows = emu.activity(src.id).filter((x: any) => x.method === "delegate_result");
        return rows.some((x) => x.status === "failed");
      }, 10_000);
      const fail = rows.find((x) => x.status === "failed");
      expect(fail).toMatchObject({
        summary: "Delegation failed",
        response_body: { delegation_id: id },
      });
      const sent = emu.activity(src.id).find((x: any) => x.method === "delegate");
      expect(sent?.["response_body"]).toEqual({ delegation_id: id });
      const listed = await req(emu, "GET", `/workspaces/${src.id}/delegations`, {
        token: src.token,
      });
      expect(listed.json[0]).toMatchObject({
        direction: "sent",
        response_preview: `{"delegation_id": "${id}"}`,
      });
    } finally {
      await agent.close();
    }
  });
});
