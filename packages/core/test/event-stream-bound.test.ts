// Issue 92, "every stream bounded": something in front of the platform (a proxy, a captive portal,
// a misrouted load balancer) answers the event stream's URL with `text/event-stream` and one line
// that never ends. The agent (a child process, its RSS measured apart from the emulator's) keeps at
// most EVENT_KEPT_BYTES of it, closes the stream at EVENT_LINE_MAX_BYTES, says why in a
// `wakeupsUnavailable` warning, reopens it with backoff, stays under 150 MB, and keeps answering on
// the poll interval. Before the bound it held the whole line: 1.4 GB in 4 s.
import { spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { errorFront, readLines, waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { EVENT_LINE_MAX_BYTES } from "../src/platform/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/endless-event-child.mjs", import.meta.url));
const MB = 1024 * 1024;
/** What one stream may send before the test ends it: far past the bound, far below harm. */
const STREAM_CAP = 96 * MB;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** One endless line (`line` opens it) on `res`, written as fast as it drains; resolves its bytes. */
function endlessLine(res: ServerResponse, line: string): Promise<number> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(": ping\n\n");
  res.write(line);
  const chunk = Buffer.alloc(64 * 1024, "x");
  let sent = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (sent < STREAM_CAP && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.once("close", () => resolve(sent));
    pump();
  });
}

describe("the platform's event stream, one line without an end", () => {
  it.each([
    ["a data line (the parser keeps it)", "data: "],
    ["a line the parser skips", "xyz"],
  ])(
    "%s: closed at the bound, reported, reopened; the agent stays small and answers",
    async (_, opening) => {
      const emu = await startEmulator();
      cleanups.push(() => emu.close());
      const a = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
      const p = await emu.admin.createWorkspace({ name: "peer" });
      const streams: Promise<number>[] = [];
      const front = await errorFront({
        upstream: emu.url,
        answer: (req, res) => {
          if (!req.url?.endsWith("/events/stream")) return false;
          streams.push(endlessLine(res, opening));
          return true;
        },
      });
      cleanups.push(() => front.close());
      const child = spawn(process.execPath, [CHILD], {
        env: { ...process.env, PLATFORM_URL: front.url, WS_ID: a.id, WS_TOKEN: a.token! },
        stdio: ["pipe", "pipe", "ignore"], // its process warning is also a logged warning
      });
      const exited = new Promise((r) => child.once("exit", r));
      cleanups.push(async () => {
        child.kill("SIGKILL");
        await exited;
      });
      const out = readLines(child.stdout);
      const said = async (key: string, match: (v: string) => boolean): Promise<string> => {
        const line = await out.line((l) => {
          const o = JSON.parse(l) as Record<string, unknown>;
          return typeof o[key] === "string" && match(o[key]);
        });
        return (JSON.parse(line) as Record<string, string>)[key]!;
      };
      await out.line((l) => l.includes('"ready"'));

      // Closed at the bound (not read on to the test's cap), reported naming it, then reopened.
      await waitFor(() => streams.length >= 1, { timeoutMs: 20_000 });
      const first = await streams[0]!;
      // What the first stream got out before it was closed: the bound and what sockets buffer.
      expect(first).toBeGreaterThan(EVENT_LINE_MAX_BYTES);
      expect(first).toBeLessThan(EVENT_LINE_MAX_BYTES + 16 * MB);
      const warning = await said("warn", (w) => w.includes("event wake-ups are down"));
      // A data line is cut where it is kept (the parser never holds more), and read on to the bound.
      expect(warning).toMatch(
        /the platform's event stream sent a line longer than 33554432 bytes without an end/,
      );
      expect(warning).toContain("reopened with backoff");
      expect(warning).not.toContain("\n");
      await waitFor(() => streams.length >= 2, { timeoutMs: 20_000 }); // reopened

      // Still answering, on the poll interval.
      const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
      cleanups.push(() => peer.close());
      await peer.callPeer(a.id, "still there?"); // queued: the agent polls it
      await said("handled", (t) => t === "still there?");

      child.stdin.write("rss\n");
      const rss = Number(JSON.parse(await out.line((l) => l.includes('"rss"'))).rss);
      expect(rss).toBeLessThan(150 * MB);
      console.info(
        `endless event line (${opening.trim() || "skipped"}): peak RSS ${(rss / MB).toFixed(1)} MB, ${streams.length} streams opened`,
      );
      child.stdin.write("stop\n");
      await exited;
    },
    60_000,
  );
});
