// RemoteAgent's typed events against the emulator over real HTTP: each fires once, in order, with
// the right payload, at the moment it describes; the logger gets one line per event (a connected
// line, the first handler error) and neither events nor log lines carry a token.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type {
  AgentEvent,
  AgentEventMap,
  AgentEventName,
  RemoteAgentOptions,
} from "../src/index.js";
import { waitFor } from "@internal/test-utils";
import { startOrg } from "./fixtures/inbound-org.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** Resolves with the next `type` event matching `pred` (rejects after `timeoutMs`). */
function next<K extends AgentEventName>(
  agent: RemoteAgent,
  type: K,
  pred: (e: AgentEventMap[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<AgentEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      agent.off(type, listener);
      reject(new Error(`no "${type}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (e: AgentEventMap[K]): void => {
      if (!pred(e)) return;
      clearTimeout(timer);
      agent.off(type, listener);
      resolve(e);
    };
    agent.on(type, listener);
  });
}

interface Line {
  level: string;
  msg: string;
  meta: object | undefined;
}

/** A logger that records every line, and the events seen through `onEvent`. */
function recorder() {
  const lines: Line[] = [];
  const events: AgentEvent[] = [];
  const at = (level: string) => (msg: string, meta?: object) =>
    void lines.push({ level, msg, meta });
  return {
    lines,
    events,
    types: () => events.map((e) => e.type),
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
    onEvent: (e: AgentEvent) => void events.push(e),
    /** Everything recorded, as text (errors by name and message), for token scans. */
    text: () =>
      JSON.stringify([lines, events], (_k, v: unknown) =>
        v instanceof Error ? `${v.name}: ${v.message} ${String(v.cause)}` : v,
      ),
  };
}

async function org(compat: "latest" | "2026-04" = "latest") {
  const o = await startOrg(compat, cleanups);
  // The agent's token, when the platform issued one at creation (what its client sends).
  const tokens = o.a.token === undefined ? [] : [o.a.token];
  return { ...o, tokens };
}

function agentOf(options: RemoteAgentOptions): RemoteAgent {
  const agent = new RemoteAgent(options);
  cleanups.push(() => agent.stop());
  return agent;
}

describe("the handled event reaches each kind of receiver on its own", () => {
  it("an info logger alone logs one line per answered message: sender and time, never the text", async () => {
    const { a, client, peer } = await org();
    const rec = recorder();
    const info = (msg: string, meta?: object) => void rec.lines.push({ level: "info", msg, meta });
    const agent = agentOf({ client, handler: (m) => `echo:${m.text}`, logger: { info } });
    await agent.start();
    const id = randomUUID();
    await peer.callPeer(a.id, "the secret plan is 42", { messageId: id });
    const line = await waitFor(() =>
      rec.lines.find((l) => (l.meta as { messageId?: string } | undefined)?.messageId === id),
    );
    const from = peer.workspaceId;
    expect(line.msg).toMatch(new RegExp(`^answered message ${id} from ${from} in \\d+ ms$`));
    expect(line.meta).toMatchObject({ messageId: id, from, attempts: 1, replied: true });
    expect(JSON.stringify(rec.lines)).not.toContain("secret plan");
  });

  it("a flood of pushed messages gets at most 20 handled lines a second and a line counting the rest; a listener sees each message", async () => {
    const { client } = await org();
    const rec = recorder();
    const agent = agentOf({
      client,
      handler: (m) => m.text,
      logger: rec.logger,
      delivery: { mode: "push", host: "localhost" },
    });
    const handled = new Set<string>();
    agent.on("handled", (e) => void handled.add(e.message.messageId ?? ""));
    await agent.start();
    const n = 200;
    const began = performance.now();
    const send = async (i: number): Promise<void> => {
      const message = {
        kind: "message",
        role: "user",
        messageId: `flood-${i}`,
        parts: [{ kind: "text", text: "hi" }],
      };
      const body = { jsonrpc: "2.0", id: i, method: "message/send", params: { message } };
      const res = await fetch(agent.pushUrl as string, {
        method: "POST",
        // The platform's bearer, as the August-2026 proxy pushes (without it: 401).
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${client.files.inboundSecret}`,
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"result"');
    };
    await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
    const seconds = (performance.now() - began) / 1_000;
    await agent.stop(); // says the count of the last second
    const lines = rec.lines.filter((l) => l.msg.startsWith("answered message flood-"));
    const counts = rec.lines.filter((l) =>
      / more messages? handled in the last second /.test(l.msg),
    );
    const counted = counts.reduce((sum, l) => sum + (l.meta as { skipped: number }).skipped, 0);
    expect(handled.size).toBe(n);
    expect(lines.length + counted).toBe(n); // every message is a line or in a count
    // Lines come in windows of at least a second each, at most 20 in a window.
    expect(lines.length).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
    expect(counts.every((l) => l.level === "info")).toBe(true);
  });

  it("a logger alone, onEvent alone, a listener alone: each gets every handled message", async () => {
    const { a, client, peer } = await org();
    const receivers = {
      logger: (rec: ReturnType<typeof recorder>) => ({ logger: rec.logger }),
      onEvent: (rec: ReturnType<typeof recorder>) => ({ logger: {}, onEvent: rec.onEvent }),
      listener: () => ({ logger: {} }),
    };
    for (const [kind, options] of Object.entries(receivers)) {
      const rec = recorder();
      const agent = agentOf({ client, handler: (m) => `echo:${m.text}`, ...options(rec) });
      if (kind === "listener") agent.on("handled", rec.onEvent);
      await agent.start();
      const id = randomUUID();
      await peer.callPeer(a.id, `to ${kind}`, { messageId: id });
      // Found by its id: a fresh agent on the workspace may also handle the earlier ones again.
      const got = await waitFor(() =>
        kind === "logger"
          ? rec.lines.find(
              (l) =>
                l.msg.startsWith("answered message ") &&
                (l.meta as { messageId?: string }).messageId === id,
            )
          : rec.events.find((e) => e.type === "handled" && e.message.messageId === id),
      );
      expect(got).toBeDefined();
      await agent.stop();
    }
  });
});

describe("RemoteAgent events (poll delivery, latest contract)", () => {
  it("deliveryChosen and connected during start(), handled per message, stopping and stopped on stop()", async () => {
    const { a, client, peer } = await org();
    const rec = recorder();
    const agent = agentOf({
      client,
      handler: (m) => `echo:${m.text}`,
      pollIntervalMs: 60_000,
      logger: rec.logger,
      onEvent: rec.onEvent,
    });
    const connected = next(agent, "connected");
    await agent.start();
    // Both fired before start() resolved, in this order.
    expect(rec.types()).toEqual(["deliveryChosen", "connected"]);
    expect(rec.events[0]).toEqual({
      type: "deliveryChosen",
      workspaceId: a.id,
      delivery: "poll",
      source: "capabilities",
      pollDelivery: true,
    });
    const c = await connected;
    expect(c).toMatchObject({ workspaceId: a.id, delivery: "poll", pollIntervalMs: 60_000 });
    expect(c.eventWakeups).toBe(true);
    expect(c.startupMs).toBeGreaterThan(0);
    expect(c.pushUrl).toBeUndefined();

    const id = randomUUID();
    const handled = next(agent, "handled", (e) => e.message.messageId === id);
    await peer.callPeer(a.id, "hello", { messageId: id });
    const h = await handled;
    expect(h).toMatchObject({
      type: "handled",
      workspaceId: a.id,
      delivery: "poll",
      attempts: 1,
      replied: true,
      redelivered: false,
    });
    expect(h.message.text).toBe("hello");
    expect(h.message.sourceId).toBe(peer.workspaceId);
    expect(h.durationMs).toBeGreaterThanOrEqual(0);

    expect(await agent.flushReplies()).toBe(true); // nothing left to drain: a quiet stop
    const stopped = next(agent, "stopped");
    let doneFirst = false;
    void agent.done.then(() => (doneFirst = rec.types().at(-1) !== "stopped"));
    await agent.stop();
    expect(await stopped).toMatchObject({ reason: "stopped", workspaceId: a.id });
    expect(rec.types().slice(-2)).toEqual(["stopping", "stopped"]);
    await agent.done;
    expect(doneFirst).toBe(false); // `done` resolves after the stopped event
    // Each lifecycle event fired once.
    for (const t of ["deliveryChosen", "connected", "stopping", "stopped"] as const) {
      expect(rec.types().filter((x) => x === t)).toHaveLength(1);
    }
    // One info line says where inbound delivery starts (how far back it looks), one that the
    // agent is connected, one that it answered the message, one that it stopped.
    const infos = rec.lines.filter((l) => l.level === "info").map((l) => l.msg);
    expect(infos).toHaveLength(4);
    expect(infos[0]).toMatch(/^inbound: a first start \(no saved cursor, no checkpoint/);
    expect(infos[1]).toMatch(
      new RegExp(`^connected as ${a.id} \\(poll every 60000 ms, event wake-ups on\\)`),
    );
    expect(infos[2]).toMatch(new RegExp(`^answered message ${id} from ${peer.workspaceId} in `));
    expect(infos[3]).toBe("stopped (stopped)");
  });

  it("retried for each failed attempt, the first error logged as a warning, then handled", async () => {
    const { a, client, peer } = await org();
    const rec = recorder();
    let calls = 0;
    const agent = agentOf({
      client,
      handler: () => {
        calls++;
        if (calls < 3) throw new Error(`flaky ${calls}`);
        return "finally";
      },
      retryBaseMs: 10,
      maxAttempts: 3,
      logger: rec.logger,
      onEvent: rec.onEvent,
    });
    await agent.start();
    const handled = next(agent, "handled");
    await peer.callPeer(a.id, "try me");
    const h = await handled;
    expect(h.attempts).toBe(3);
    const retried = rec.events.filter((e) => e.type === "retried");
    expect(retried.map((e) => e.attempt)).toEqual([1, 2]);
    expect(retried.map((e) => String(e.error))).toEqual(["Error: flaky 1", "Error: flaky 2"]);
    for (const e of retried) expect(e.retryInMs).toBeGreaterThan(0);
    // The first failure is a warning with the error; the second is debug detail.
    const failures = rec.lines.filter((l) => l.msg.startsWith("inbound handler failed"));
    expect(failures.map((l) => l.level)).toEqual(["warn", "debug"]);
    expect(failures[0]!.msg).toContain("Error: flaky 1");
    expect(rec.types().filter((t) => t === "deadLettered")).toHaveLength(0);
  });

  it("deadLettered with the last error; a listener replaces the process warning", async () => {
    const { a, client, peer } = await org();
    const processWarnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => void processWarnings.push(w.message);
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    const rec = recorder();
    const agent = agentOf({
      client,
      handler: () => {
        throw new Error("always broken");
      },
      retryBaseMs: 5,
      maxAttempts: 2,
      logger: rec.logger,
    });
    const dead = next(agent, "deadLettered");
    let handled = 0;
    agent.on("handled", () => void handled++);
    await agent.start();
    const id = randomUUID();
    await peer.callPeer(a.id, "doomed", { messageId: id });
    const d = await dead;
    expect(d.reason).toBe("handler_failed");
    expect(d.message.messageId).toBe(id);
    expect(String(d.error)).toBe("Error: always broken");
    await agent.stop();
    expect(handled).toBe(0);
    expect(processWarnings.filter((w) => w.includes(id))).toEqual([]);
    const errors = rec.lines.filter((l) => l.level === "error");
    expect(errors.map((l) => l.msg)).toEqual([
      "inbound message dead-lettered (handler_failed): Error: always broken",
    ]);
  });

  it("without a listener or onDeadLetter, a dead letter is one logged line, no process warning, and a non-retried error is logged", async () => {
    const { a, client, peer } = await org();
    const id = randomUUID();
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => void processWarnings.push(w.message);
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    const rec = recorder();
    let logged!: () => void;
    const deadLine = new Promise<void>((resolve) => (logged = resolve));
    const agent = agentOf({
      client,
      handler: () => {
        throw Object.assign(new Error("bad input"), { retryable: false });
      },
      logger: {
        ...rec.logger,
        error: (msg: string, meta?: object) => {
          rec.logger.error(msg, meta);
          logged();
        },
      },
    });
    await agent.start();
    await peer.callPeer(a.id, "doomed", { messageId: id });
    await deadLine;
    // Settled (stop waits for the message's dead letter), then the warnings of this tick and
    // the next (process.emitWarning emits on process.nextTick).
    await agent.stop();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rec.lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "inbound message dead-lettered (handler_failed): Error: bad input",
    ]);
    expect(processWarnings.filter((w) => w.includes(id))).toEqual([]);
    expect(rec.lines.find((l) => l.level === "warn")?.msg).toBe(
      "inbound handler failed; not retried: Error: bad input",
    );
  });

  it("with a logger that has no error (logger: {}) and nobody listening, a dead letter is a process warning", async () => {
    const { a, client, peer } = await org();
    const id = randomUUID();
    const warned = new Promise<string>((resolve) => {
      const onWarning = (w: Error & { code?: string }) => {
        if (w.code === "MOLECULE_DEAD_LETTER" && w.message.includes(id)) resolve(w.message);
      };
      process.on("warning", onWarning);
      cleanups.push(() => process.off("warning", onWarning));
    });
    const agent = agentOf({
      client,
      handler: () => {
        throw Object.assign(new Error("bad input"), { retryable: false });
      },
      logger: {},
    });
    await agent.start();
    await peer.callPeer(a.id, "doomed", { messageId: id });
    expect(await warned).toContain("was dead-lettered");
  });

  it("replyFailed when an answer cannot be sent, then delivered on the retry", async () => {
    const { emu, a, client, peer } = await org();
    const rec = recorder();
    const agent = agentOf({
      client,
      handler: () => "the answer",
      retryBaseMs: 10,
      logger: rec.logger,
      onEvent: rec.onEvent,
    });
    await agent.start();
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${peer.workspaceId}/a2a`,
      status: 503,
      count: 1,
    });
    const failed = next(agent, "replyFailed");
    const id = randomUUID();
    // The fault matches the answer's way to the peer's inbox, not the question's to the agent.
    await peer.callPeer(a.id, "ask", { messageId: id });
    const f = await failed;
    expect(f).toMatchObject({ attempt: 1, willRetry: true });
    expect(f.message.messageId).toBe(id);
    expect(f.retryInMs).toBeGreaterThan(0);
    expect(await agent.flushReplies(10_000)).toBe(true);
    expect(rec.types().filter((t) => t === "replyFailed")).toHaveLength(1);
    expect(rec.types().filter((t) => t === "deadLettered")).toHaveLength(0);
    const warn = rec.lines.find((l) => l.msg.startsWith("reply failed"));
    expect(warn?.level).toBe("warn");
  });

  it("stopped with reason removed when the workspace is deleted", async () => {
    const { emu, a, client } = await org();
    const agent = agentOf({ client, handler: () => {}, heartbeatIntervalMs: 50, logger: {} });
    const events: Array<AgentEventMap["stopping"] | AgentEventMap["stopped"]> = [];
    agent.on("stopping", (e) => void events.push(e)).on("stopped", (e) => void events.push(e));
    await agent.start();
    await emu.admin.deleteWorkspace(a.id);
    const s = await next(agent, "stopped");
    expect(s.reason).toBe("removed");
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["stopping", "removed"],
      ["stopped", "removed"],
    ]);
    expect((await agent.done).reason).toBe("removed");
  });

  it("a throwing listener is logged and changes nothing", async () => {
    const { a, client, peer } = await org();
    const rec = recorder();
    const agent = agentOf({ client, handler: () => "ok", logger: rec.logger });
    agent.on("connected", () => {
      throw new Error("listener bug");
    });
    await agent.start(); // not rejected
    const handled = next(agent, "handled");
    await peer.callPeer(a.id, "still works");
    expect((await handled).replied).toBe(true);
    expect(rec.lines).toContainEqual({
      level: "error",
      msg: 'an agent "connected" event listener threw',
      meta: { error: "Error: listener bug" },
    });
  });

  it("once() fires a single time; off() removes a listener", async () => {
    const { a, client, peer } = await org();
    const agent = agentOf({ client, handler: () => "ok", logger: {} });
    const seen: string[] = [];
    const removed = () => void seen.push("removed");
    agent.once("handled", (e) => void seen.push(`once:${e.message.text}`));
    agent.on("handled", removed).off("handled", removed);
    await agent.start();
    for (const text of ["one", "two"]) {
      const handled = next(agent, "handled", (e) => e.message.text === text);
      await peer.callPeer(a.id, text);
      await handled;
    }
    expect(seen).toEqual(["once:one"]);
  });
});

describe("RemoteAgent events (push delivery)", () => {
  it("connected carries the push URL (the log line hides its secret); handled says push", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "pushed" });
    const p = await emu.admin.createWorkspace({ name: "caller" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    cleanups.push(() => Promise.all([client.close(), peer.close()]));
    const rec = recorder();
    const agent = agentOf({
      client,
      delivery: { mode: "push" },
      handler: (m) => `pushed:${m.text}`,
      logger: rec.logger,
      onEvent: rec.onEvent,
    });
    await agent.start();
    const c = rec.events.find((e) => e.type === "connected");
    expect(c).toMatchObject({ delivery: "push", pushUrl: agent.pushUrl, eventWakeups: false });
    expect(rec.events[0]).toMatchObject({ type: "deliveryChosen", source: "option" });
    const secret = new URL(agent.pushUrl!).pathname.split("/").at(-1)!;
    const line = rec.lines.find((l) => l.msg.startsWith("connected as"))!;
    expect(line.msg).toContain("push at http://localhost:");
    expect(line.msg).not.toContain(secret);
    const handled = next(agent, "handled");
    const result = await peer.callPeer(ws.id, "hi");
    expect(result.status === "completed" ? result.text : "").toContain("pushed:hi");
    expect(await handled).toMatchObject({ delivery: "push", replied: true, attempts: 1 });
    expect(rec.text()).not.toContain(ws.token!);
    expect(rec.text()).not.toContain(p.token!);
  });
});

describe("RemoteAgent warning events", () => {
  it("inboundGap on the 2026-04 baseline's window; a listener replaces the process warning", async () => {
    const { client, queue } = await org("2026-04");
    const processWarnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => {
      if (w.code === "MOLECULE_INBOUND_GAP") processWarnings.push(w.message);
    };
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    await queue("m", 12);
    const rec = recorder();
    const agent = agentOf({
      client,
      delivery: "poll",
      handler: () => {},
      pollLimit: 5,
      pollIntervalMs: 60_000,
      logger: rec.logger,
    });
    const gap = next(agent, "inboundGap");
    await agent.start();
    const g = await gap;
    expect(g.reason).toBe("backfill_window");
    expect(g.warning.code).toBe("MOLECULE_INBOUND_GAP");
    expect(processWarnings).toEqual([]);
    expect(rec.lines.some((l) => l.level === "warn" && /may have been missed/.test(l.msg))).toBe(
      true,
    );
  });

  it("heartbeatLate when a heartbeat hangs past its interval (5 s at least)", async () => {
    const { emu, a, client, tokens } = await org();
    const rec = recorder();
    const agent = agentOf({
      client,
      handler: () => {},
      heartbeatIntervalMs: 100,
      logger: rec.logger,
      onEvent: rec.onEvent,
    });
    await agent.start();
    emu.injectFault({
      method: "POST",
      path: "/registry/heartbeat",
      delayMs: 7_000,
      count: 1,
    });
    const late = await next(agent, "heartbeatLate", () => true, 15_000);
    expect(late.workspaceId).toBe(a.id);
    expect(late.lateByMs).toBeGreaterThanOrEqual(5_000);
    expect(late.intervalMs).toBe(100);
    expect(late.warning.code).toBe("heartbeat_late");
    expect(rec.lines).toContainEqual({
      level: "warn",
      msg: "heartbeat late",
      meta: { workspaceId: a.id, lateByMs: late.lateByMs, intervalMs: 100 },
    });
    await agent.stop();
    for (const t of tokens) expect(rec.text()).not.toContain(t);
  });
});
