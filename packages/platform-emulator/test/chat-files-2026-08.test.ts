/* oxlint-disable typescript/no-explicit-any */
// Chat files on compat "2026-08" (enteros-core aeec8e47): `GET /uploads/limits` (uploads/limits.go,
// 47d24be5), the 100 MB per-file cap (mc#1588/#1589), and acknowledged poll uploads that stay
// readable until the sweeper reclaims them an hour later, a second ack answering 200
// (pendinguploads/storage.go, pending_uploads.go; 6b1d9bdb).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, makeWs, req } from "./helpers.js";

const MB = 1024 * 1024;

async function upload(emu: Emulator, id: string, token: string, data: BlobPart, name: string) {
  const form = new FormData();
  form.append("files", new Blob([data], { type: "text/plain" }), name);
  const r = await fetch(`${emu.url}/workspaces/${id}/chat/uploads`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: r.status, json: (await r.json()) as any };
}

describe("chat files (2026-08)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-08" });
  });
  afterAll(() => emu.close());

  it("GET /uploads/limits is public: 100 MB per file and per request, 10 attachments", async () => {
    const r = await req(emu, "GET", "/uploads/limits");
    expect([r.status, r.json]).toEqual([
      200,
      { per_file_bytes: 100 * MB, per_request_bytes: 100 * MB, max_attachments_per_message: 10 },
    ]);
    // Only on the August contract: the older servers have no such route (gin's 404).
    const old = await emulator({ compat: "2026-05" });
    try {
      expect((await req(old, "GET", "/uploads/limits")).text).toBe("404 page not found");
    } finally {
      await old.close();
    }
  });

  it("a poll upload over the old 25 MiB cap is staged", async () => {
    const ws = await makeWs(emu, "poll-big", { mode: "poll" });
    const r = await upload(emu, ws.id, ws.token, new Uint8Array(26 * MB).fill(97), "big.txt");
    expect(r.status).toBe(200);
    expect(r.json.files[0].size).toBe(26 * MB);
  });

  it("an acknowledged upload stays readable, a second ack is 200, an hour later it is gone", async () => {
    const ws = await makeWs(emu, "poll-ack", { mode: "poll" });
    const up = await upload(emu, ws.id, ws.token, "hello", "a.txt");
    const fileId = up.json.files[0].uri.split("/")[1];
    const content = `/workspaces/${ws.id}/pending-uploads/${fileId}/content`;
    const ack = `/workspaces/${ws.id}/pending-uploads/${fileId}/ack`;
    expect((await req(emu, "POST", ack, { token: ws.token })).json).toEqual({ acked: true });
    const read = await req(emu, "GET", content, { token: ws.token });
    expect([read.status, read.text]).toEqual([200, "hello"]);
    const again = await req(emu, "POST", ack, { token: ws.token });
    expect([again.status, again.json]).toEqual([200, { acked: true }]);
    emu.advanceClock(60 * 60 * 1000 - 1000);
    expect((await req(emu, "GET", content, { token: ws.token })).status).toBe(200);
    emu.advanceClock(2000);
    const gone = await req(emu, "GET", content, { token: ws.token });
    expect([gone.status, gone.json]).toEqual([
      404,
      { error: "pending upload not found or expired" },
    ]);
    const late = await req(emu, "POST", ack, { token: ws.token });
    expect([late.status, late.json]).toEqual([
      404,
      { error: "pending upload not found, expired, or already acked" },
    ]);
  });
});
