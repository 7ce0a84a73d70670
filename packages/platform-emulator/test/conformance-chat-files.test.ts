/* oxlint-disable typescript/no-explicit-any */
// Conformance: chat files (enteros-core@50c3bdfd chat_files.go, pending_uploads.go; molecule-core
// 7cf77f27 chat_files.go for "2026-04"). Each answer here is the server's, by source line
// (/tmp/research/rows-files.md); none is shaped after the SDK. What 2026-08 ("latest") changed
// (the 100 MB cap, acks that keep the file an hour) is in chat-files-2026-08.test.ts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, makeWs, req } from "./helpers.js";

const MB = 1024 * 1024;

/** POSTs a multipart body (a FormData, or raw text with its own content type). */
async function upload(
  emu: Emulator,
  id: string,
  body: FormData | { raw: string | Uint8Array; type: string },
  token = emu.adminToken,
): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (!(body instanceof FormData)) headers["Content-Type"] = body.type;
  const r = await fetch(`${emu.url}/workspaces/${id}/chat/uploads`, {
    method: "POST",
    headers,
    body: body instanceof FormData ? body : (body.raw as BodyInit),
  });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}

function files(...fs: { name: string; data: BlobPart; type?: string }[]): FormData {
  const f = new FormData();
  for (const x of fs) f.append("files", new Blob([x.data], { type: x.type ?? "" }), x.name);
  return f;
}

/** A raw multipart body whose parts carry exactly the headers given. */
function raw(parts: { head: string; body: string }[]): { raw: string; type: string } {
  const b = "b0undary";
  const text =
    parts.map((p) => `--${b}\r\n${p.head}\r\n\r\n${p.body}\r\n`).join("") + `--${b}--\r\n`;
  return { raw: text, type: `multipart/form-data; boundary=${b}` };
}

describe("chat files (2026-05)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-05" }); // the caps and ack of 50c3bdfd's chat_files.go
  });
  afterAll(async () => {
    await emu.close();
  });

  it("a poll workspace's upload is staged: platform-pending URIs, sanitised names, one chat_upload_receive row per file", async () => {
    const ws = await makeWs(emu, "poll-up");
    const r = await upload(
      emu,
      ws.id,
      raw([
        {
          head: 'Content-Disposition: form-data; name="files"; filename="../a b.txt"',
          body: "hello",
        },
        {
          head: 'Content-Disposition: form-data; name="files"; filename="x.html"\r\nContent-Type: text/html; charset=utf-8',
          body: "<p>",
        },
        {
          head: 'Content-Disposition: form-data; name="files"; filename="y"\r\nContent-Type: not a type',
          body: "y",
        },
      ]),
    );
    expect(r.status).toBe(200);
    expect(r.json.files).toEqual([
      {
        uri: expect.stringMatching(new RegExp(`^platform-pending:${ws.id}/[0-9a-f-]{36}$`)),
        name: "a_b.txt",
        mimeType: "",
        size: 5,
      },
      { uri: expect.any(String), name: "x.html", mimeType: "text/html", size: 3 },
      { uri: expect.any(String), name: "y", mimeType: "application/octet-stream", size: 1 },
    ]);
    const rows = emu.activity(ws.id).filter((a) => a["method"] === "chat_upload_receive");
    expect(rows).toHaveLength(3);
    const fileId = r.json.files[0].uri.split("/")[1];
    expect(rows[0]).toMatchObject({
      activity_type: "a2a_receive",
      source_id: null,
      target_id: ws.id,
      summary: "chat_upload_receive: a_b.txt",
      status: "ok",
      request_body: {
        file_id: fileId,
        name: "a_b.txt",
        mimeType: "",
        size: 5,
        uri: r.json.files[0].uri,
      },
    });
  });

  it("content serves the bytes with the stored type and an attachment disposition; ack once, then 404", async () => {
    const ws = await makeWs(emu, "poll-content");
    const other = await makeWs(emu, "poll-other");
    const up = await upload(emu, ws.id, files({ name: "r.csv", data: "a,b", type: "text/csv" }));
    const fileId = up.json.files[0].uri.split("/")[1];
    const content = `/workspaces/${ws.id}/pending-uploads/${fileId}/content`;
    const r = await fetch(emu.url + content, { headers: { Authorization: `Bearer ${ws.token}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv");
    expect(r.headers.get("content-disposition")).toBe(
      `attachment; filename="r.csv"; filename*=UTF-8''r.csv`,
    );
    expect(r.headers.get("content-length")).toBe("3");
    expect(await r.text()).toBe("a,b");
    // Another workspace's path: not found (cross-workspace bleed protection).
    const bleed = await req(
      emu,
      "GET",
      `/workspaces/${other.id}/pending-uploads/${fileId}/content`,
      {
        token: other.token,
      },
    );
    expect([bleed.status, bleed.json]).toEqual([404, { error: "pending upload not found" }]);
    expect(
      (
        await req(emu, "GET", `/workspaces/${ws.id}/pending-uploads/nope/content`, {
          token: ws.token,
        })
      ).json,
    ).toEqual({ error: "invalid file_id" });
    const ack = `/workspaces/${ws.id}/pending-uploads/${fileId}/ack`;
    expect((await req(emu, "POST", ack, { token: ws.token })).json).toEqual({ acked: true });
    const again = await req(emu, "POST", ack, { token: ws.token });
    expect([again.status, again.json]).toEqual([
      404,
      { error: "pending upload not found, expired, or already acked" },
    ]);
    expect((await req(emu, "GET", content, { token: ws.token })).status).toBe(404);
    expect((await req(emu, "GET", content)).json).toEqual({
      error: "missing workspace auth token",
    });
  });

  it("an unacknowledged upload expires 24 h after it was staged", async () => {
    const ws = await makeWs(emu, "poll-expiry");
    const up = await upload(emu, ws.id, files({ name: "e.txt", data: "e" }));
    const content = `/workspaces/${ws.id}/pending-uploads/${up.json.files[0].uri.split("/")[1]}/content`;
    emu.advanceClock(24 * 60 * 60 * 1000 - 1000);
    expect((await req(emu, "GET", content, { token: ws.token })).status).toBe(200);
    emu.advanceClock(2000);
    const gone = await req(emu, "GET", content, { token: ws.token });
    expect([gone.status, gone.json]).toEqual([
      404,
      { error: "pending upload not found, expired, or already acked" },
    ]);
  });

  it("refusals: no files field, not multipart, more than 64 files, a file over 25 MB, an empty file, a body over 50 MB", async () => {
    const ws = await makeWs(emu, "poll-refuse");
    const other = new FormData();
    other.append("x", "y");
    expect((await upload(emu, ws.id, other)).json).toEqual({ error: "no files field in request" });
    expect((await upload(emu, ws.id, { raw: "{}", type: "application/json" })).json).toEqual({
      error: "malformed multipart body",
    });
    const many = files(...Array.from({ length: 65 }, (_, i) => ({ name: `${i}`, data: "x" })));
    expect(await upload(emu, ws.id, many)).toMatchObject({
      status: 400,
      json: { error: "too many files (limit 64)" },
    });
    const big = await upload(
      emu,
      ws.id,
      files({ name: "../big.bin", data: new Uint8Array(25 * MB + 1) }),
    );
    expect(big).toMatchObject({
      status: 413,
      json: {
        error: "file exceeds per-file cap",
        filename: "big.bin",
        size: 25 * MB + 1,
        max: 25 * MB,
      },
    });
    expect(await upload(emu, ws.id, files({ name: "empty", data: "" }))).toMatchObject({
      status: 500,
      json: { error: "could not stage files" },
    });
    const huge = files(
      { name: "a", data: new Uint8Array(20 * MB) },
      { name: "b", data: new Uint8Array(20 * MB) },
      { name: "c", data: new Uint8Array(20 * MB) },
    );
    expect(await upload(emu, ws.id, huge)).toMatchObject({
      status: 400,
      json: { error: "malformed multipart body" },
    });
    // Nothing of the refused uploads was staged.
    expect(emu.activity(ws.id).filter((a) => a["method"] === "chat_upload_receive")).toEqual([]);
  }, 60_000);

  describe("a push workspace's upload and download are forwarded with its inbound secret", () => {
    let server: http.Server;
    let seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[];
    let answer: { status: number; type: string; body: string };
    let base: string;
    beforeAll(async () => {
      seen = [];
      server = http.createServer((rq, rs) => {
        const chunks: Buffer[] = [];
        rq.on("data", (c: Buffer) => chunks.push(c));
        rq.on("end", () => {
          seen.push({
            method: rq.method!,
            url: rq.url!,
            headers: rq.headers,
            body: Buffer.concat(chunks),
          });
          rs.writeHead(answer.status, { "Content-Type": answer.type, "X-Other": "dropped" });
          rs.end(answer.body);
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://localhost:${(server.address() as AddressInfo).port}/secret-path/`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it("upload: POST <url>/internal/chat/uploads/ingest, the body and its type as sent, the answer relayed", async () => {
      const created = await emu.admin.createWorkspace({ name: "push-up" });
      const reg = await req(emu, "POST", "/registry/register", {
        body: { id: created.id, url: base, agent_card: { name: "p" }, delivery_mode: "push" },
        token: created.token!,
      });
      const secret = reg.json.platform_inbound_secret as string;
      expect(secret).toBeTruthy();
      answer = {
        status: 207,
        type: "application/json",
        body: '{"files":[{"uri":"workspace:/x"}]}',
      };
      const body = files({ name: "f.txt", data: "forward me" });
      const r = await upload(emu, created.id, body);
      expect([r.status, r.text]).toEqual([207, answer.body]);
      const got = seen.at(-1)!;
      expect(got.method).toBe("POST");
      expect(got.url).toBe("/secret-path/internal/chat/uploads/ingest");
      expect(got.headers.authorization).toBe(`Bearer ${secret}`);
      expect(got.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
      expect(got.body.toString()).toContain("forward me");
      // The heartbeat carries the same secret.
      const hb = await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: created.id },
        token: created.token!,
      });
      expect(hb.json).toEqual({ status: "ok", platform_inbound_secret: secret });
      // Download: GET <url>/internal/file/read?path=, Content-Type/Length/Disposition relayed.
      answer = { status: 200, type: "image/png", body: "PNG" };
      const path = "/workspace/.molecule/chat-uploads/abc-f.png";
      const d = await fetch(
        `${emu.url}/workspaces/${created.id}/chat/download?path=${encodeURIComponent(path)}`,
        {
          headers: { Authorization: `Bearer ${emu.adminToken}` },
        },
      );
      expect([d.status, d.headers.get("content-type"), await d.text()]).toEqual([
        200,
        "image/png",
        "PNG",
      ]);
      expect(seen.at(-1)!.url).toBe(
        `/secret-path/internal/file/read?path=${encodeURIComponent(path)}`,
      );
      expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
      for (const [p, error] of [
        ["", "path query required"],
        ["workspace/x", "path must be absolute"],
        ["/etc/passwd", "path must be under /configs, /workspace, /home, or /plugins"],
        ["/workspace/../etc/passwd", "invalid path"],
      ] as const)
        expect(
          (
            await req(
              emu,
              "GET",
              `/workspaces/${created.id}/chat/download?path=${encodeURIComponent(p)}`,
              {
                token: emu.adminToken,
              },
            )
          ).json,
        ).toEqual({ error });
    });

    it("an unreachable workspace is 502; a push workspace without a URL yet is 503; a poll workspace cannot download", async () => {
      const created = await emu.admin.createWorkspace({ name: "push-gone" });
      await req(emu, "POST", "/registry/register", {
        body: { id: created.id, url: "http://localhost:9/x", agent_card: { name: "p" } },
        token: created.token!,
      });
      expect(await upload(emu, created.id, files({ name: "a", data: "a" }))).toMatchObject({
        status: 502,
        json: { error: "workspace unreachable" },
      });
      // Paused: the platform blanks a push workspace's URL until its agent registers again.
      await emu.admin.pause(created.id);
      expect(await upload(emu, created.id, files({ name: "a", data: "a" }))).toMatchObject({
        status: 503,
        json: { error: "workspace url not registered yet" },
      });
      const poll = await makeWs(emu, "poll-dl");
      const dl = await req(emu, "GET", `/workspaces/${poll.id}/chat/download?path=/workspace/x`, {
        token: poll.token,
      });
      expect(dl.status).toBe(422);
      expect(dl.json.error).toBe(
        "workspace has no callback URL — chat download requires push-mode + public URL",
      );
    });
  });
});

describe("chat files (2026-04)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-04" });
  });
  afterAll(async () => {
    await emu.close();
  });

  it("an external workspace has no container: the upload is 503 after the multipart checks (inferred from code)", async () => {
    const ws = await makeWs(emu, "old");
    expect((await upload(emu, ws.id, { raw: "x", type: "text/plain" })).json).toEqual({
      error: "failed to parse multipart form",
    });
    const other = new FormData();
    other.append("x", "y");
    expect((await upload(emu, ws.id, other)).json).toEqual({
      error: "expected at least one 'files' field",
    });
    expect(await upload(emu, ws.id, files({ name: "a", data: "a" }))).toMatchObject({
      status: 503,
      json: { error: "workspace container not running" },
    });
    const dl = await req(emu, "GET", `/workspaces/${ws.id}/chat/download?path=/workspace/a`, {
      token: ws.token,
    });
    expect([dl.status, dl.json]).toEqual([503, { error: "workspace container not running" }]);
  });

  it("has no pending-upload routes and no secret in the heartbeat", async () => {
    const ws = await makeWs(emu, "old2");
    const r = await req(
      emu,
      "GET",
      `/workspaces/${ws.id}/pending-uploads/${crypto.randomUUID()}/content`,
      {
        token: ws.token,
      },
    );
    expect([r.status, r.text]).toEqual([404, "404 page not found"]);
    const hb = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: ws.id },
      token: ws.token,
    });
    expect(hb.json).toEqual({ status: "ok" });
  });
});
