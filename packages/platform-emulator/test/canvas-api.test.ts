/* oxlint-disable typescript/no-explicit-any */
// The canvas page's server side over real HTTP: the static shell, the admin-only API (snapshot and
// live feed), what a traffic item says about a call, and `ui: false` (`--no-ui`).
import { describe, expect, it } from "vitest";
import { parseCli } from "../src/cli-options.js";
import { emulator, envelope, makeWs, req, startAgent } from "./helpers.js";

/** Reads the live feed's frames until `done(frames)` holds (or 5 s pass). */
async function readFeed(
  url: string,
  token: string,
  done: (frames: any[]) => boolean,
  onOpen: () => Promise<void>,
): Promise<any[]> {
  const ctl = new AbortController();
  const res = await fetch(`${url}/canvas/api/events`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: ctl.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const frames: any[] = [];
  let buf = "";
  const timer = setTimeout(() => ctl.abort(), 5_000);
  await reader.read(); // ": ok": subscribed
  await onOpen();
  try {
    while (!done(frames)) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (block.startsWith("data: ")) frames.push(JSON.parse(block.slice(6)));
      }
    }
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
  return frames;
}

describe("canvas: the page and its admin-only API", () => {
  it("serves the built shell without a token, with a strict CSP and no secret in it", async () => {
    const emu = await emulator({ adminToken: "canvas-admin-secret" });
    try {
      const root = await req(emu, "GET", "/");
      expect(root.status).toBe(302);
      expect(root.headers.get("location")).toBe("/canvas/");
      expect(emu.canvasUrl).toBe(`${emu.url}/canvas/`);
      const page = await req(emu, "GET", "/canvas/");
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
      expect(page.text).not.toContain("canvas-admin-secret");
      const script = /src="(\/canvas\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const js = await req(emu, "GET", script!);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(js.text).not.toContain("canvas-admin-secret");
      expect(js.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/); // no CDN, nothing remote
      // Nothing outside the built page is served.
      expect((await req(emu, "GET", "/canvas/../package.json")).status).toBe(404);
      expect((await req(emu, "GET", "/canvas/assets/%2e%2e%2f%2e%2e%2fpackage.json")).status).toBe(
        404,
      );
      expect((await req(emu, "GET", "/canvas/nope.js")).status).toBe(404);
    } finally {
      await emu.close();
    }
  });

  it("answers the API only with the admin token", async () => {
    const emu = await emulator();
    try {
      const ws = await makeWs(emu, "secretive");
      for (const path of ["/canvas/api/org", "/canvas/api/events", "/canvas/api/approvals"]) {
        const none = await req(emu, "GET", path);
        expect(none.status).toBe(401);
        expect(none.text).not.toContain("secretive");
        expect((await req(emu, "GET", path, { token: "wrong" })).status).toBe(401);
        // A workspace's own token is not the admin token.
        expect((await req(emu, "GET", path, { token: ws.token })).status).toBe(401);
      }
      const org = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      expect(org.status).toBe(200);
      // The August platform's seeded Org Concierge is in the org too, as the canvas shows it.
      expect(org.json.workspaces.map((w: any) => w.name)).toEqual(["Org Concierge", "secretive"]);
      expect(org.text).not.toContain(ws.token);
    } finally {
      await emu.close();
    }
  });

  it("sends the org and each call to the page: cards, edges with latency and outcome, contextId, trace", async () => {
    const emu = await emulator();
    const agent = await startAgent();
    try {
      const parent = await makeWs(emu, "parent", { url: agent.url, mode: "push" });
      const child = await makeWs(emu, "child", { parentId: parent.id });
      const snap = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      const card = snap.json.workspaces.find((w: any) => w.name === "child");
      expect(card).toMatchObject({
        status: "online",
        remote: true,
        delivery: "poll",
        parentId: parent.id,
        activeTasks: 0,
      });
      expect(card.lastHeartbeatAt).toEqual(expect.any(Number));

      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const call = envelope("hello parent");
      (call as any).params.message.contextId = "ctx-1";
      (call as any).params.message.metadata = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
      const frames = await readFeed(
        emu.url,
        emu.adminToken,
        (fs) =>
          fs.some((f) => f.traffic.length > 0) &&
          fs.some((f) => f.workspaces.some((w: any) => w.status === "paused")),
        async () => {
          const r = await req(emu, "POST", `/workspaces/${parent.id}/a2a`, {
            body: call,
            token: child.token,
            headers: { "X-Workspace-ID": child.id },
          });
          expect(r.status).toBe(200);
          expect(
            (await req(emu, "POST", `/workspaces/${child.id}/pause`, { token: emu.adminToken }))
              .status,
          ).toBe(200);
        },
      );
      const t = frames.flatMap((f) => f.traffic)[0];
      expect(t).toMatchObject({
        kind: "message",
        from: child.id,
        to: parent.id,
        method: "message/send",
        outcome: "completed",
        role: "user",
        contextId: "ctx-1",
        traceId,
        parentSpanId: "00f067aa0ba902b7",
        text: "hello parent",
        answer: "pong",
      });
      expect(t.latencyMs).toEqual(expect.any(Number));
      const paused = frames
        .flatMap((f) => f.workspaces)
        .find((w: any) => w.id === child.id && w.status === "paused");
      expect(paused).toBeDefined();
      // The snapshot has the call too (a page that opens later sees the history).
      const later = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      expect(later.json.traffic.map((x: any) => x.text)).toContain("hello parent");
    } finally {
      await agent.close();
      await emu.close();
    }
  });

  it("tells the page whether a push workspace has a URL, so its card says what a call will get (none: 503)", async () => {
    const emu = await emulator();
    const agent = await startAgent();
    try {
      const target = await makeWs(emu, "target", { url: agent.url, mode: "push" });
      const caller = await makeWs(emu, "caller");
      const card = async () =>
        (await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken })).json.workspaces.find(
          (w: any) => w.id === target.id,
        );
      const call = async () =>
        (
          await req(emu, "POST", `/workspaces/${target.id}/a2a`, {
            body: envelope("are you there"),
            token: caller.token,
            headers: { "X-Workspace-ID": caller.id },
          })
        ).status;
      expect(await card()).toMatchObject({ status: "online", delivery: "push", hasUrl: true });
      expect(await call()).toBe(200);
      // Pause blanks the URL; after resume the agent's heartbeat may bring the status back before
      // it registers a URL again: the card's hasUrl says whether a call is forwarded or refused.
      for (const step of ["pause", "resume"])
        expect(
          (await req(emu, "POST", `/workspaces/${target.id}/${step}`, { token: emu.adminToken }))
            .status,
        ).toBe(200);
      expect((await card()).hasUrl).toBe(false);
      const beat = await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: target.id },
        token: target.token,
      });
      expect(beat.status).toBe(200);
      const after = await card();
      const status = await call();
      expect({ hasUrl: after.hasUrl, refused: status === 503 }).toEqual({
        hasUrl: !(status === 503),
        refused: !after.hasUrl,
      });
    } finally {
      await agent.close();
      await emu.close();
    }
  });

  it("marks a call dead-lettered when its receiver reports so (POST /activity, an error row naming it), live and in the snapshot; only the receiver can", async () => {
    const emu = await emulator();
    try {
      const a = await makeWs(emu, "a");
      const b = await makeWs(emu, "b", { parentId: a.id });
      const other = await makeWs(emu, "other");
      const send = async (text: string, messageId = crypto.randomUUID()) =>
        expect(
          (
            await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
              body: envelope(text, messageId),
              token: b.token,
              headers: { "X-Workspace-ID": b.id },
            })
          ).status,
        ).toBe(200);
      const report = (ws: { id: string; token: string }, deadLetter: Record<string, unknown>) =>
        req(emu, "POST", `/workspaces/${ws.id}/activity`, {
          token: ws.token,
          body: {
            activity_type: "error",
            method: "message/send",
            status: "error",
            summary: "dead letter (handler_failed)",
            error_detail: "Error: the handler failed after every retry",
            request_body: { dead_letter: deadLetter },
          },
        });
      await send("polled, then given up");
      const snap = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      const polled = snap.json.traffic.find((x: any) => x.text === "polled, then given up");
      expect(polled.outcome).toBe("queued");

      // Another workspace naming a's message marks nothing; a's own report marks it, live.
      expect((await report(other, { activity_id: polled.id })).status).toBe(200);
      const frames = await readFeed(
        emu.url,
        emu.adminToken,
        (fs) => fs.some((f) => f.traffic.some((t: any) => t.outcome === "dead-lettered")),
        async () => {
          expect((await report(a, { activity_id: polled.id })).status).toBe(200);
        },
      );
      const marked = frames.flatMap((f) => f.traffic).filter((t: any) => t.id === polled.id);
      expect(marked).toEqual([
        expect.objectContaining({
          outcome: "dead-lettered",
          from: b.id,
          to: a.id,
          error: "Error: the handler failed after every retry",
        }),
      ]);

      // By messageId (a pushed message has no activity id), and in a later page's snapshot.
      const messageId = crypto.randomUUID();
      await send("named by its messageId", messageId);
      expect((await report(other, { message_id: messageId })).status).toBe(200);
      let later = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      const byText = (text: string) => later.json.traffic.find((x: any) => x.text === text);
      expect(byText("named by its messageId").outcome).toBe("queued");
      expect((await report(a, { message_id: messageId })).status).toBe(200);
      later = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      expect(byText("named by its messageId").outcome).toBe("dead-lettered");
      expect(byText("polled, then given up").outcome).toBe("dead-lettered");
      // The reports themselves are not calls between cards.
      expect(later.json.traffic.filter((x: any) => x.kind !== "message")).toEqual([]);
      expect(later.json.traffic).toHaveLength(2);
    } finally {
      await emu.close();
    }
  });

  it("lists the pending approvals as the page shows them (texts bounded), after the platform's expiry sweep", async () => {
    const emu = await emulator();
    try {
      const a = await makeWs(emu, "a");
      const asked = async (action: string) =>
        (
          await req(emu, "POST", `/workspaces/${a.id}/approvals`, {
            body: { action, reason: "why", task_id: "t-1" },
            token: a.token,
          })
        ).json.approval_id as string;
      const old = await asked("expires");
      emu.advanceClock(6 * 60_000);
      const fresh = await asked("y".repeat(10_000));
      const decided = await asked("decided");
      await req(emu, "POST", `/workspaces/${a.id}/approvals/${decided}/decide`, {
        body: { decision: "denied", decided_by: "alice" },
        token: emu.adminToken,
      });
      const list = async () =>
        (await req(emu, "GET", "/canvas/api/approvals", { token: emu.adminToken })).json
          .approvals as any[];
      const both = await list();
      expect(both.map((x) => x.id).toSorted()).toEqual([old, fresh].toSorted());
      const long = both.find((x) => x.id === fresh);
      expect(long).toMatchObject({ workspaceId: a.id, reason: "why", taskId: "t-1" });
      expect(long.action.length).toBe(2_001);
      // The platform denies a request after 10 minutes, without an event: the list drops it.
      emu.advanceClock(5 * 60_000);
      expect((await list()).map((x) => x.id)).toEqual([fresh]);
      const pending = await req(emu, "GET", "/approvals/pending", { token: emu.adminToken });
      expect(pending.json.map((x: any) => x.id)).toEqual([fresh]);
    } finally {
      await emu.close();
    }
  });

  it("bounds the text of a traffic item", async () => {
    const emu = await emulator();
    try {
      const a = await makeWs(emu, "a");
      const b = await makeWs(emu, "b", { parentId: a.id });
      const long = "x".repeat(10_000);
      expect(
        (
          await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
            body: envelope(long),
            token: b.token,
            headers: { "X-Workspace-ID": b.id },
          })
        ).status,
      ).toBe(200);
      const org = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
      const item = org.json.traffic.find((x: any) => x.from === b.id);
      expect(item.outcome).toBe("queued");
      expect(item.text.length).toBe(2_001);
      expect(item.text.endsWith("…")).toBe(true);
    } finally {
      await emu.close();
    }
  });

  it("ui: false (--no-ui) serves neither the page nor its API", async () => {
    expect(parseCli(["--no-ui"]).emulator.ui).toBe(false);
    expect(parseCli([]).emulator.ui).toBe(true);
    const emu = await emulator({ ui: false });
    try {
      expect(emu.canvasUrl).toBeUndefined();
      expect((await req(emu, "GET", "/")).status).toBe(404);
      expect((await req(emu, "GET", "/canvas")).status).toBe(404);
      expect((await req(emu, "GET", "/canvas/index.html")).status).toBe(404);
      expect((await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken })).status).toBe(
        404,
      );
    } finally {
      await emu.close();
    }
  });
});
