// Issue 57, files: a canvas user's upload reaches a RemoteAgent's handler as `msg.files`, with
// poll delivery (the platform stages it; the agent fetches it and acknowledges it once, after the
// handler) and with push delivery (the platform forwards it to the agent's ingest route); and an
// agent's file reaches the canvas user in one call (`client.notify(text, { files })`), both ways.
// Everything over real HTTP against the emulator's "latest" contract (the August-2026 server), the
// canvas side played as the canvas does it (@internal/test-utils canvas-files.ts).
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  canvasDownload,
  canvasSend,
  canvasSendFiles,
  canvasUpload,
  countingProxy,
  type CountingProxy,
  waitFor,
} from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";
import type { InboundFile } from "../src/public/files.js";

/** A pending upload's acknowledgement (not the inbox cursor's `POST /activity/ack`). */
const isFileAck = (r: string): boolean => /\/pending-uploads\/[^/]+\/ack$/.test(r);

let emu: Emulator;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});
afterAll(async () => {
  await emu.close();
});

/** The sweeper deletes an acknowledged upload an hour after its ack (August `DefaultAckRetention`). */
const ACK_RETENTION_MS = 60 * 60 * 1000;

/** The canvas's chat message to `ws` (the admin bearer), which the platform must take. */
async function canvasSays(
  ws: string,
  text: string,
  uploaded: Parameters<typeof canvasSend>[3],
): Promise<void> {
  const sent = await canvasSend(emu.url, ws, text, uploaded, { adminToken: emu.adminToken });
  expect(sent.status).toBe(200);
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** What a handler saw of one message's files: the facts and the bytes it read. */
interface Seen {
  msg: InboundMessage;
  files: { name: string; mediaType: string; size: number; uri: string; bytes: Uint8Array }[];
}

/** A started agent whose handler reads every file of every message; `seen` lists them. */
async function agentOn(
  platformUrl: string,
  ws: { id: string; token?: string | undefined },
  delivery: "poll" | { mode: "push" },
  read: (f: InboundFile) => Promise<Uint8Array> = (f) => f.bytes(),
): Promise<{ agent: RemoteAgent<PlatformClient>; client: PlatformClient; seen: Seen[] }> {
  const client = new PlatformClient({ platformUrl, workspaceId: ws.id, token: ws.token! });
  const seen: Seen[] = [];
  const agent = new RemoteAgent({
    client,
    delivery,
    pollIntervalMs: 50,
    logger: {},
    handler: async (msg) => {
      const files = [];
      for (const f of msg.files ?? []) {
        const { name, mediaType, size, uri } = f;
        files.push({ name, mediaType, size, uri, bytes: await read(f) });
      }
      seen.push({ msg, files });
      return `got ${files.length} file(s)`;
    },
  });
  await agent.start();
  cleanups.push(async () => {
    await agent.stop();
    await client.close();
  });
  return { agent, client, seen };
}

async function proxied(): Promise<CountingProxy> {
  const proxy = await countingProxy(emu.url);
  cleanups.push(() => proxy.close());
  return proxy;
}

describe("poll delivery: the canvas's upload is in msg.files", () => {
  it("a canvas upload reaches the poll agent's handler, its pending upload acknowledged once, after the handler", async () => {
    const ws = await emu.admin.createWorkspace({ name: "poll-files" });
    const proxy = await proxied();
    const { seen } = await agentOn(proxy.url, ws, "poll");
    const { uploaded } = await canvasSendFiles(emu.url, emu.adminToken, ws.id, "see attached", [
      { name: "../../etc/pass wd.txt", data: "hello file", type: "text/plain" },
      { name: "pic.png", data: PNG, type: "image/png" },
    ]);
    expect(uploaded.map((u) => u.uri)).toEqual([
      expect.stringMatching(new RegExp(`^platform-pending:${ws.id}/[0-9a-f-]{36}$`)),
      expect.stringMatching(new RegExp(`^platform-pending:${ws.id}/[0-9a-f-]{36}$`)),
    ]);
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000 });
    const [{ msg, files }] = seen as [Seen];
    expect(msg.text).toBe("see attached");
    expect(msg.source).toBe("canvas_user");
    expect(files.map(({ bytes, ...f }) => ({ ...f, text: text(bytes) }))).toEqual([
      {
        name: "pass_wd.txt",
        mediaType: "text/plain",
        size: 10,
        uri: uploaded[0]!.uri,
        text: "hello file",
      },
      {
        name: "pic.png",
        mediaType: "image/png",
        size: PNG.length,
        uri: uploaded[1]!.uri,
        text: text(PNG),
      },
    ]);
    expect(files[1]!.bytes).toEqual(PNG);
    // Acknowledged once each, after the handler. The August platform keeps an acknowledged upload
    // readable for an hour, then sweeps it (an unacknowledged one lives 24 h).
    const acks = (): string[] => proxy.requests.filter(isFileAck);
    await waitFor(() => acks().length === 2, { timeoutMs: 30_000 });
    const ids = uploaded.map((u) => u.uri.split("/")[1]);
    expect(acks().sort()).toEqual(
      ids.map((id) => `POST /workspaces/${ws.id}/pending-uploads/${id}/ack`).sort(),
    );
    for (const u of uploaded)
      expect((await canvasDownload(emu.url, emu.adminToken, ws.id, u.uri)).status).toBe(200);
    emu.advanceClock(ACK_RETENTION_MS);
    for (const u of uploaded)
      expect((await canvasDownload(emu.url, emu.adminToken, ws.id, u.uri)).status).toBe(404);
    // The upload rows are not messages: the handler ran once, for the canvas's message.
    expect(seen).toHaveLength(1);
  });

  it("a failed handler does not acknowledge: the file stays on the platform", async () => {
    const ws = await emu.admin.createWorkspace({ name: "poll-files-fail" });
    const proxy = await proxied();
    const client = new PlatformClient({
      platformUrl: proxy.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const dead: InboundMessage[] = [];
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 50,
      logger: {},
      maxAttempts: 1,
      onDeadLetter: (m) => void dead.push(m),
      handler: async (msg) => {
        await msg.files![0]!.bytes();
        throw Object.assign(new Error("cannot process"), { retryable: false });
      },
    });
    await agent.start();
    cleanups.push(async () => {
      await agent.stop();
      await client.close();
    });
    const { uploaded } = await canvasSendFiles(emu.url, emu.adminToken, ws.id, "x", [
      { name: "a.txt", data: "a" },
    ]);
    await waitFor(() => dead.length === 1, { timeoutMs: 15_000 });
    await agent.stop();
    expect(proxy.requests.filter(isFileAck)).toEqual([]);
    const still = await canvasDownload(emu.url, emu.adminToken, ws.id, uploaded[0]!.uri);
    expect(still.status).toBe(200);
    expect(text(still.bytes)).toBe("a");
  });

  it("a file the platform no longer holds (acknowledged, expired) is a file_unavailable error the handler can catch", async () => {
    // Uploads before the agent's first start: the workspace is created for poll, as users do.
    const ws = await emu.admin.createWorkspace({ name: "poll-files-gone", deliveryMode: "poll" });
    const up = await canvasUpload(emu.url, emu.adminToken, ws.id, [
      { name: "gone.txt", data: "x" },
    ]);
    const fileId = up.json.files![0]!.uri.split("/")[1];
    const acked = await fetch(`${emu.url}/workspaces/${ws.id}/pending-uploads/${fileId}/ack`, {
      method: "POST",
      headers: { Authorization: `Bearer ${emu.adminToken}` },
    });
    expect(acked.status).toBe(200);
    emu.advanceClock(ACK_RETENTION_MS); // swept
    const errors: unknown[] = [];
    const { seen } = await agentOn(emu.url, ws, "poll", async (f) => {
      try {
        return await f.bytes();
      } catch (err) {
        errors.push(err);
        return new Uint8Array();
      }
    });
    await canvasSays(ws.id, "where is it", up.json.files!);
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "file_unavailable", status: 404, retryable: false });
    expect(String((errors[0] as Error).message)).toMatch(/it expired \(24 h after the upload\)/);
  });

  it("a pending upload larger than its message announces is not read past the announced size", async () => {
    const ws = await emu.admin.createWorkspace({ name: "poll-files-size", deliveryMode: "poll" });
    const up = await canvasUpload(emu.url, emu.adminToken, ws.id, [
      { name: "big.bin", data: new Uint8Array(4096) },
    ]);
    const errors: unknown[] = [];
    const { seen } = await agentOn(emu.url, ws, "poll", async (f) => {
      try {
        return await f.bytes();
      } catch (err) {
        errors.push(err);
        return new Uint8Array();
      }
    });
    // The message claims 16 bytes: the SDK reads no more than that.
    await canvasSays(ws.id, "small, I promise", [{ ...up.json.files![0]!, size: 16 }]);
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000 });
    expect(seen[0]!.files[0]!.size).toBe(16);
    expect(errors[0]).toMatchObject({ code: "file_too_large", retryable: false });
  });
});

describe("the inbound secret", () => {
  it("comes with register and with every heartbeat (newer platforms), kept by client.files", async () => {
    const ws = await emu.admin.createWorkspace({ name: "secret" });
    const registered = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const r = await registered.register({ agentCard: { name: "s" }, deliveryMode: "poll" });
    expect(registered.files.inboundSecret).toBe(r.inboundSecret);
    // A client that never registered learns it from a heartbeat.
    const beating = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    expect(beating.files.inboundSecret).toBeUndefined();
    await beating.heartbeat();
    expect(beating.files.inboundSecret).toBe(r.inboundSecret);
    // Never shown.
    const { inspect } = await import("node:util");
    expect(inspect(beating.files)).not.toContain(r.inboundSecret!);
    expect(JSON.stringify(beating.files)).not.toContain(r.inboundSecret!);
    await registered.close();
    await beating.close();
  });
});

describe("push delivery: the platform forwards the upload to the agent", () => {
  it("a canvas upload reaches the push agent's handler through its ingest route", async () => {
    const ws = await emu.admin.createWorkspace({ name: "push-files" });
    const { client, seen } = await agentOn(emu.url, ws, { mode: "push" });
    expect(client.files.inboundSecret).toBeTruthy(); // from register (and every heartbeat)
    const { uploaded, answer } = await canvasSendFiles(emu.url, emu.adminToken, ws.id, "here", [
      { name: "notes (1).md", data: "# notes", type: "text/markdown" },
      { name: "pic.png", data: PNG, type: "image/png" },
    ]);
    expect(uploaded).toEqual([
      {
        uri: expect.stringMatching(
          /^workspace:\/workspace\/\.molecule\/chat-uploads\/[0-9a-f]{32}-notes__1_\.md$/,
        ),
        name: "notes__1_.md",
        mimeType: "text/markdown",
        size: 7,
      },
      expect.objectContaining({ name: "pic.png", mimeType: "image/png", size: PNG.length }),
    ]);
    expect(JSON.stringify(answer)).toContain("got 2 file(s)");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.files.map((f) => [f.name, f.mediaType, f.size, text(f.bytes)])).toEqual([
      ["notes__1_.md", "text/markdown", 7, "# notes"],
      ["pic.png", "image/png", PNG.length, text(PNG)],
    ]);
    // The canvas user can still open their attachment: the platform's download forward.
    const back = await canvasDownload(emu.url, emu.adminToken, ws.id, uploaded[1]!.uri);
    expect(back.status).toBe(200);
    expect(back.bytes).toEqual(PNG);
    expect(back.type).toBe("image/png");
  });
});

describe("push delivery: a file this agent does not hold", () => {
  it("is listed, and bytes() says it is not held (another instance took it in, or it was dropped)", async () => {
    const ws = await emu.admin.createWorkspace({ name: "push-files-missing" });
    const errors: unknown[] = [];
    const { agent, client, seen } = await agentOn(emu.url, ws, { mode: "push" }, async (f) => {
      try {
        return await f.bytes();
      } catch (err) {
        errors.push(err);
        return new Uint8Array();
      }
    });
    const uri = `workspace:/workspace/.molecule/chat-uploads/${"0".repeat(32)}-gone.txt`;
    // Sent as the platform sends a push: with the inbound secret the agent got at register.
    const res = await fetch(agent.pushUrl!, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${client.files.inboundSecret!}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: {
          message: {
            kind: "message",
            role: "user",
            messageId: crypto.randomUUID(),
            parts: [
              { kind: "text", text: "where" },
              { kind: "file", file: { uri, name: "gone.txt", mimeType: "text/plain" } },
              // Not one of this agent's uploads: not a file of the message.
              { kind: "file", file: { uri: "workspace:/etc/passwd", name: "passwd" } },
            ],
          },
        },
      }),
    });
    await res.json();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.files.map((f) => f.name)).toEqual(["gone.txt"]);
    expect(errors[0]).toMatchObject({ code: "file_unavailable", retryable: false });
  });
});

describe("an agent's files reach the canvas user in one call", () => {
  it("poll: notify(text, { files }) stages them, the canvas downloads them, the agent's handler never sees them", async () => {
    const ws = await emu.admin.createWorkspace({ name: "notify-poll" });
    const { client, seen } = await agentOn(emu.url, ws, "poll");
    await client.notify("your report", {
      files: [
        { name: "report.csv", data: "a,b\n1,2\n", mediaType: "text/csv" },
        new Blob([PNG], { type: "image/png" }),
      ],
    });
    const row = emu.activity(ws.id).find((r) => r["method"] === "notify")!;
    const parts = (row["response_body"] as { parts: { file: { uri: string; name: string } }[] })
      .parts;
    expect(parts.map((p) => p.file.name)).toEqual(["report.csv", "file"]);
    const csv = await canvasDownload(emu.url, emu.adminToken, ws.id, parts[0]!.file.uri);
    expect(csv.status).toBe(200);
    expect(text(csv.bytes)).toBe("a,b\n1,2\n");
    expect(
      (await canvasDownload(emu.url, emu.adminToken, ws.id, parts[1]!.file.uri)).bytes,
    ).toEqual(PNG);
    // Its own uploads are logged as chat_upload_receive rows in its inbox: never a message. A
    // later canvas message is handled after the poll passed them, alone.
    await canvasSays(ws.id, "thanks", []);
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000 });
    expect(seen.map((s) => s.msg.text)).toEqual(["thanks"]);
  });

  it("push: notify(text, { files }) goes through the agent's own ingest route, and the canvas downloads from it", async () => {
    const ws = await emu.admin.createWorkspace({ name: "notify-push" });
    const { client } = await agentOn(emu.url, ws, { mode: "push" });
    await client.notify("chart", { files: [{ name: "chart.png", data: PNG }] });
    const row = emu.activity(ws.id).find((r) => r["method"] === "notify")!;
    const [part] = (
      row["response_body"] as { parts: { file: { uri: string; mimeType: string } }[] }
    ).parts;
    expect(part!.file.uri).toMatch(
      /^workspace:\/workspace\/\.molecule\/chat-uploads\/[0-9a-f]{32}-chart\.png$/,
    );
    expect(part!.file.mimeType).toBe("image/png");
    const back = await canvasDownload(emu.url, emu.adminToken, ws.id, part!.file.uri);
    expect(back.status).toBe(200);
    expect(back.bytes).toEqual(PNG);
  });
});
