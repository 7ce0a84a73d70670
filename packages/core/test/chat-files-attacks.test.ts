// Issue 57, files, as attacks over real HTTP (docs/security.md, "chat files"): the ingest and
// file-read routes a push agent serves below its URL answer only the platform's bearer (the whole
// header, constant time, fail closed), refuse before reading the body (a 100 MB body costs < 1 MiB
// read), bound what they take (25 MiB a file, 50 MiB a body, 64 files) and keep names inside one
// folder; a poll agent fetches no pending upload but its own workspace's, and only for a message
// the platform recorded as the canvas's.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { connect, type Socket } from "node:net";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  canvasDownload,
  canvasSend,
  canvasUpload,
  countingProxy,
  waitFor,
} from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";
import { sanitizeFileName } from "../src/public/files.js";

const MB = 1024 * 1024;
const BODY = 100 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

let emu: Emulator;
let client: PlatformClient;
let agent: RemoteAgent<PlatformClient>;
let port: number;
let secretPath: string;
let base: string;
const serverSockets: Socket[] = [];
const onServerSocket = (message: unknown): void => {
  const socket = (message as { socket: Socket }).socket;
  if (socket.localPort === port) serverSockets.push(socket);
};

beforeAll(async () => {
  emu = await startEmulator();
  const me = await emu.admin.createWorkspace({ name: "ingest-target" });
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  agent = new RemoteAgent({
    client,
    handler: (m) => `ok:${m.text}`,
    delivery: { mode: "push" },
    logger: {},
  });
  await agent.start();
  const url = new URL(agent.pushUrl!);
  port = Number(url.port);
  secretPath = url.pathname;
  base = `http://127.0.0.1:${port}${secretPath}`;
  subscribe("net.server.socket", onServerSocket);
}, 60_000);

afterAll(async () => {
  unsubscribe("net.server.socket", onServerSocket);
  await agent?.stop();
  await client?.close();
  await emu?.close();
});

/** Streams a 100 MB body behind `head` until the server closes; what came back, what it read. */
function attack(head: string): Promise<{ response: string; serverRead: number }> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let response = "";
    let sent = 0;
    let server: Socket | undefined;
    sock.on("data", (d: Buffer) => (response += d.toString("latin1")));
    sock.on("error", () => undefined);
    sock.once("connect", () => {
      server = serverSockets.find((s) => s.remotePort === sock.localPort);
      sock.write(head);
      const pump = (): void => {
        while (sent < BODY && !sock.destroyed) {
          sent += CHUNK.length;
          if (!sock.write(CHUNK)) return void sock.once("drain", pump);
        }
        if (!sock.destroyed) sock.end();
      };
      pump();
    });
    sock.once("close", () => {
      server ??= serverSockets.find((s) => s.remotePort === sock.localPort);
      const finish = (): void => resolve({ response, serverRead: server?.bytesRead ?? -1 });
      if (server === undefined || server.closed) finish();
      else server.once("close", finish);
    });
  });
}

/** The status of a file-read request for `path`, with the platform's bearer. */
async function read(path: string): Promise<number> {
  const res = await fetch(`${base}/internal/file/read?path=${encodeURIComponent(path)}`, {
    headers: { Authorization: `Bearer ${client.files.inboundSecret}` },
  });
  await res.body?.cancel();
  return res.status;
}

const ingest = (path: string, auth: string | undefined): string =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\n` +
  `Content-Length: ${BODY}\r\n${auth === undefined ? "" : `Authorization: ${auth}\r\n`}\r\n`;

/** A multipart upload with `files` (field `files`). */
function form(files: { name: string; data: BlobPart; type?: string }[]): FormData {
  const f = new FormData();
  for (const file of files)
    f.append("files", new Blob([file.data], { type: file.type ?? "" }), file.name);
  return f;
}

async function postIngest(
  body: FormData,
  auth = `Bearer ${client.files.inboundSecret}`,
): Promise<{ status: number; json: { files?: { uri: string; name: string }[]; error?: string } }> {
  const res = await fetch(`${base}/internal/chat/uploads/ingest`, {
    method: "POST",
    headers: { Authorization: auth },
    body,
  });
  return { status: res.status, json: (await res.json()) as never };
}

describe("the push agent's ingest route", () => {
  it("refuses a missing or wrong bearer, and a body declared over 50 MB, with a 100 MB body unread", async () => {
    const secret = client.files.inboundSecret!;
    expect(secret).toBeTruthy();
    const path = `${secretPath}/internal/chat/uploads/ingest`;
    const cases: [string, RegExp][] = [
      [ingest(path, undefined), /^HTTP\/1\.1 401 /],
      [ingest(path, "Bearer wrong-secret"), /^HTTP\/1\.1 401 /],
      [ingest(path, `Bearer ${secret}x`), /^HTTP\/1\.1 401 /],
      [ingest(path, `bearer ${secret}`), /^HTTP\/1\.1 401 /], // the whole header is compared
      [ingest(path, secret), /^HTTP\/1\.1 401 /],
      [ingest(path, `Bearer ${secret}`), /^HTTP\/1\.1 413 /], // declared 100 MB > 50 MB
      [
        ingest(`/${"A".repeat(43)}/internal/chat/uploads/ingest`, `Bearer ${secret}`),
        /^HTTP\/1\.1 404 /,
      ],
      [
        `GET ${secretPath}/internal/file/read?path=/etc/passwd HTTP/1.1\r\nHost: localhost\r\n` +
          `Content-Length: ${BODY}\r\n\r\n`,
        /^HTTP\/1\.1 401 /,
      ],
    ];
    const results = await Promise.all(cases.map(([head]) => attack(head)));
    results.forEach((r, i) => {
      expect(r.response).toMatch(cases[i]![1]);
      expect(r.response.toLowerCase()).toContain("connection: close");
      expect(r.serverRead).toBeLessThan(MB);
      expect(r.response).not.toContain(secret);
    });
  }, 120_000);

  it("bounds what it takes: a file over 25 MB -> 413, more than 64 files -> 400, no files -> 400", async () => {
    const big = await postIngest(form([{ name: "big.bin", data: new Uint8Array(25 * MB + 1) }]));
    expect(big).toEqual({ status: 413, json: { error: "big.bin exceeds per-file limit (25 MB)" } });
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `f${i}.txt`, data: "x" }));
    expect(await postIngest(form(many))).toEqual({
      status: 400,
      json: { error: "too many files (limit 64)" },
    });
    const none = new FormData();
    none.append("other", "value");
    expect(await postIngest(none)).toEqual({
      status: 400,
      json: { error: "expected at least one 'files' field" },
    });
  }, 60_000);

  it("keeps every name inside its folder: ../, absolute paths, NUL, backslashes, dot names", async () => {
    const names = [
      "../../etc/passwd",
      "/abs/path.txt",
      "a\u0000b.txt",
      "..",
      "C:\\x\\..\\y.txt",
      "ok.md",
    ];
    const r = await postIngest(form(names.map((name) => ({ name, data: name }))));
    expect(r.status).toBe(200);
    expect(r.json.files!.map((f) => f.name)).toEqual([
      "passwd",
      "path.txt",
      "a_b.txt",
      "file",
      "C__x_.._y.txt",
      "ok.md",
    ]);
    for (const f of r.json.files!) {
      const path = f.uri.slice("workspace:".length);
      expect(path).toMatch(/^\/workspace\/\.molecule\/chat-uploads\/[0-9a-f]{32}-[A-Za-z0-9._-]+$/);
      expect(path.split("/").slice(4)).toHaveLength(1); // one segment below the folder
    }
    // The file-read route serves exactly the files it took in: a traversal is refused.
    const kept = r.json.files![0]!.uri.slice("workspace:".length);
    expect(await read(kept)).toBe(200);
    expect(await read(`${kept}/../../../../etc/passwd`)).toBe(400);
    expect(await read("/etc/passwd")).toBe(400);
    expect(await read("/workspace/.molecule/chat-uploads/0000-passwd")).toBe(404);
  }, 60_000);

  it("sanitizeFileName never returns a name that leaves a folder", () => {
    const hostile = [
      "",
      ".",
      "..",
      "../",
      "a/..",
      "/",
      "\u0000",
      "..\u0000/",
      "~/x",
      "a/b/../../c",
    ];
    for (const n of [...hostile, ..."./\\\u0000 ".split("").map((c) => c.repeat(3))]) {
      const s = sanitizeFileName(n);
      expect(s).toMatch(/^[A-Za-z0-9._-]{1,100}$/);
      expect([".", ".."]).not.toContain(s);
    }
    expect(sanitizeFileName("x".repeat(200) + ".tar.gz")).toBe("x".repeat(97) + ".gz");
  });
});

describe("a 2026-04 platform sends no inbound secret: the route fails closed", () => {
  it("refuses every bearer while no secret is known", async () => {
    const old = await startEmulator({ compat: "2026-04" });
    try {
      const me = await old.admin.createWorkspace({ name: "old-push" });
      const c = new PlatformClient({ platformUrl: old.url, workspaceId: me.id, token: me.token! });
      const a = new RemoteAgent({
        client: c,
        handler: () => "x",
        delivery: { mode: "push" },
        logger: {},
      });
      await a.start();
      try {
        expect(c.files.inboundSecret).toBeUndefined();
        for (const auth of ["Bearer undefined", "Bearer ", "Bearer null", ""]) {
          const res = await fetch(`${a.pushUrl}/internal/chat/uploads/ingest`, {
            method: "POST",
            headers: { Authorization: auth },
            body: form([{ name: "x.txt", data: "x" }]),
          });
          expect(res.status).toBe(401);
          await res.body?.cancel();
        }
        // And the April platform itself refuses a chat upload for an external workspace.
        const up = await canvasUpload(old.url, old.adminToken, me.id, [{ name: "x", data: "x" }]);
        expect(up).toEqual({ status: 503, json: { error: "workspace container not running" } });
      } finally {
        await a.stop();
        await c.close();
      }
    } finally {
      await old.close();
    }
  }, 60_000);
});

describe("a poll agent fetches only its own workspace's uploads, only for the canvas", () => {
  it("a pending URI of another workspace, or one a peer sends, is never fetched nor acknowledged", async () => {
    const a = await emu.admin.createWorkspace({ name: "poll-a" });
    // B has no agent running: a poll workspace, where the canvas's uploads are staged.
    const b = await emu.admin.createWorkspace({ name: "poll-b", deliveryMode: "poll" });
    const peerWs = await emu.admin.createWorkspace({ name: "peer" });
    const proxy = await countingProxy(emu.url);
    const c = new PlatformClient({ platformUrl: proxy.url, workspaceId: a.id, token: a.token! });
    const seen: InboundMessage[] = [];
    const ag = new RemoteAgent({
      client: c,
      pollIntervalMs: 50,
      logger: {},
      handler: (m) => void seen.push(m),
    });
    await ag.start();
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: peerWs.id,
      token: peerWs.token!,
    });
    try {
      const ofB = (
        await canvasUpload(emu.url, emu.adminToken, b.id, [{ name: "b.txt", data: "B" }])
      ).json.files!;
      const ofA = (
        await canvasUpload(emu.url, emu.adminToken, a.id, [{ name: "a.txt", data: "A" }])
      ).json.files!;
      // The canvas names B's file in a message to A; a peer names A's own file.
      const sent = await canvasSend(emu.url, a.id, "B's file", ofB, { adminToken: emu.adminToken });
      expect(sent.status).toBe(200);
      await peer.callPeer(a.id, {
        parts: [
          { kind: "text", text: "A's file, from a peer" },
          { kind: "file", file: { uri: ofA[0]!.uri, name: "a.txt", size: 1 } },
        ],
      });
      await waitFor(() => seen.length === 2, { timeoutMs: 15_000 });
      expect(seen.map((m) => [m.text, m.files])).toEqual([
        ["B's file", undefined],
        ["A's file, from a peer", undefined],
      ]);
      expect(proxy.requests.filter((r) => r.includes("pending-uploads"))).toEqual([]);
      for (const [ws, f] of [
        [b.id, ofB[0]!],
        [a.id, ofA[0]!],
      ] as const)
        expect((await canvasDownload(emu.url, emu.adminToken, ws, f.uri)).status).toBe(200);
    } finally {
      await ag.stop();
      await c.close();
      await peer.close();
      await proxy.close();
    }
  }, 60_000);
});
