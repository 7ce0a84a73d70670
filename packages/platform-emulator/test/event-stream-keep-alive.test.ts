// A workspace's event stream as every server writes it: one `: ping` when it opens, then only
// events (enteros-core aeec8e47 `internal/handlers/sse.go` `StreamEvents` 82-83; the same in
// 7cf77f27 and 50c3bdfd; an idle stream of the August server recorded in
// docs/platform-versions.md). So does the emulator with the August contract (the default); with
// `2026-04` and `2026-05`, or `sseKeepAliveMs` (`--sse-keep-alive <ms>`), it writes a `: ping`
// every 15 s (or as asked) besides.
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../src/index.js";
import { parseCli } from "../src/cli-options.js";
import { emulator, makeWs, req, until } from "./helpers.js";

const open: Emulator[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

/** The text a workspace's stream carries until its heartbeat's event, the heartbeat sent after `idleMs`. */
async function streamUntilHeartbeat(opts: EmulatorOptions, idleMs: number): Promise<string> {
  const emu = await emulator(opts);
  open.push(emu);
  const ws = await makeWs(emu, "idle");
  const ac = new AbortController();
  const res = await fetch(`${emu.url}/workspaces/${ws.id}/events/stream`, {
    headers: { Authorization: `Bearer ${ws.token}` },
    signal: ac.signal,
  });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  let text = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted below
    }
  })();
  await until(() => text.startsWith(": ping\n\n"));
  await new Promise((r) => setTimeout(r, idleMs)); // the scenario: an idle stream
  const hb = await req(emu, "POST", "/registry/heartbeat", {
    token: ws.token,
    body: { workspace_id: ws.id, active_tasks: 0, uptime_seconds: 1 },
  });
  expect(hb.status).toBe(200);
  await until(() => text.includes("WORKSPACE_HEARTBEAT"));
  ac.abort();
  await reading;
  return text;
}

describe("a workspace's event stream while idle", () => {
  it("by default (the August contract): one `: ping` when it opens, then only the heartbeat's event, as the server", async () => {
    const text = await streamUntilHeartbeat({}, 300);
    expect(text.match(/: ping/g)).toHaveLength(1);
    expect(text).toMatch(/^: ping\n\ndata: \{"type":"WORKSPACE_HEARTBEAT"/);
  });

  it("sseKeepAliveMs 0 with the April contract: the same", async () => {
    const text = await streamUntilHeartbeat({ compat: "2026-04", sseKeepAliveMs: 0 }, 300);
    expect(text.match(/: ping/g)).toHaveLength(1);
    expect(text).toMatch(/^: ping\n\ndata: \{"type":"WORKSPACE_HEARTBEAT"/);
  });

  it("the emulator's keep-alive (here every 50 ms) writes its pings between", async () => {
    const text = await streamUntilHeartbeat({ sseKeepAliveMs: 50 }, 300);
    expect(text.match(/: ping/g)!.length).toBeGreaterThan(2);
  });

  it("--sse-keep-alive <ms>, --no-sse-keep-alive", () => {
    expect(parseCli(["--sse-keep-alive", "15000"]).emulator.sseKeepAliveMs).toBe(15_000);
    expect(parseCli(["--no-sse-keep-alive"]).emulator.sseKeepAliveMs).toBe(0);
    expect(parseCli([]).emulator.sseKeepAliveMs).toBeUndefined();
    expect(() => parseCli(["--sse-keep-alive", "soon"])).toThrow(/--sse-keep-alive must be/);
  });
});
