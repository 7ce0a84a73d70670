// @molecule-ai/agent-core/adapters, the pieces a framework module hosting a RemoteAgent is built
// from: the run's state machine and the line logger (the NestJS suite runs them over HTTP).
import { describe, expect, it } from "vitest";
import { MoleculeError } from "../src/index.js";
import type { AgentDoneResult } from "../src/index.js";
import {
  AgentRun,
  checkAgentHealth,
  checkAgentReadiness,
  lineLogger,
} from "../src/adapters/index.js";

function fakeAgent(start: () => Promise<void> = async () => undefined) {
  let end!: (result: AgentDoneResult) => void;
  const calls: string[] = [];
  let release!: () => void;
  const stopped = new Promise<void>((resolve) => (release = resolve));
  const agent = {
    start: async () => {
      calls.push("start");
      await start();
    },
    stop: async () => {
      calls.push("stop");
      await stopped;
      end({ reason: "stopped" });
    },
    done: new Promise<AgentDoneResult>((resolve) => (end = resolve)),
  };
  return { agent, calls, end: (r: AgentDoneResult) => end(r), release };
}

describe("AgentRun", () => {
  it("goes starting -> running -> stopping -> stopped, stopping the agent once", async () => {
    const { agent, calls, release } = fakeAgent();
    const hooks: string[] = [];
    const run = new AgentRun(agent, {
      onStopping: () => hooks.push("stopping"),
      onStopped: () => hooks.push("stopped"),
      onEnded: () => hooks.push("ended"),
    });
    expect(run.state).toBe("starting");
    await run.start();
    expect(run.state).toBe("running");
    const first = run.stop();
    const second = run.stop();
    expect(run.state).toBe("stopping");
    release();
    await Promise.all([first, second]);
    expect(run.state).toBe("stopped");
    expect(calls).toEqual(["start", "stop"]);
    expect(hooks).toEqual(["stopping", "stopped"]);
  });

  it("is failed when start-up fails, and stopping a never-started run does nothing", async () => {
    const never = fakeAgent();
    await new AgentRun(never.agent).stop();
    expect(never.calls).toEqual([]);

    const broken = fakeAgent(async () => {
      throw new Error("401");
    });
    const run = new AgentRun(broken.agent);
    await expect(run.start()).rejects.toThrow("401");
    expect(run.state).toBe("failed");
  });

  it("reports an agent that ends on its own, and stays failed through shutdown", async () => {
    const { agent, end, release } = fakeAgent();
    const ended: AgentDoneResult[] = [];
    const run = new AgentRun(agent, { onEnded: (outcome) => ended.push(outcome) });
    await run.start();
    end({ reason: "removed" });
    await agent.done;
    await Promise.resolve();
    expect(run.state).toBe("failed");
    expect(ended).toEqual([{ reason: "removed" }]);
    release();
    await run.stop();
    expect(run.state).toBe("failed");
  });
});

describe("AgentRun follows a pause the agent waits out", () => {
  it("running -> paused -> running on the agent's paused and resumed events", async () => {
    const { agent } = fakeAgent();
    const listeners = new Map<string, () => void>();
    const on = (type: string, listener: () => void) => void listeners.set(type, listener);
    const seen: boolean[] = [];
    const run = new AgentRun({ ...agent, on: on as never }, { onPaused: (p) => seen.push(p) });
    await run.start();
    listeners.get("paused")!();
    expect(run.state).toBe("paused");
    listeners.get("resumed")!();
    expect(run.state).toBe("running");
    expect(seen).toEqual([true, false]);
  });
});

/** A client whose platform probe is recorded and fails (the platform is down). */
const downClient = (lastHeartbeatAt: number | undefined, probes: string[]) => ({
  lastHeartbeatAt,
  getWorkspace: async () => {
    probes.push("GET /workspaces/<id>");
    throw new MoleculeError("down", { code: "network_error" });
  },
});

describe("checkAgentHealth (liveness) and checkAgentReadiness", () => {
  it("liveness is the agent's own state: no platform call; up while running or paused", () => {
    const probes: string[] = [];
    const c = downClient(Date.now() - 200_000, probes) as never; // a stale heartbeat: platform down
    expect(checkAgentHealth({ client: c, state: "running", delivery: "poll" })).toMatchObject({
      status: "up",
      agent: "running",
    });
    expect(checkAgentHealth({ client: c, state: "paused", delivery: "poll" })).toMatchObject({
      status: "up",
      agent: "paused",
      reason: "workspace paused on the platform",
    });
    for (const state of ["starting", "stopping", "stopped", "failed"] as const) {
      expect(checkAgentHealth({ client: c, state, delivery: "poll" })).toMatchObject({
        status: "down",
        reason: `agent ${state}`,
      });
    }
    expect(probes).toEqual([]);
  });

  it("readiness asks the platform and is down while paused", async () => {
    const probes: string[] = [];
    const c = downClient(Date.now(), probes) as never;
    expect(
      await checkAgentReadiness({ client: c, state: "running", delivery: "poll" }),
    ).toMatchObject({ status: "down", platform: "unreachable", reason: "platform unreachable" });
    expect(probes).toEqual(["GET /workspaces/<id>"]);
    const up = { lastHeartbeatAt: Date.now(), getWorkspace: async () => ({}) } as never;
    expect(
      await checkAgentReadiness({ client: up, state: "paused", delivery: "poll" }),
    ).toMatchObject({ status: "down", reason: "workspace paused on the platform" });
    expect(
      await checkAgentReadiness({ client: up, state: "running", delivery: "poll" }),
    ).toMatchObject({ status: "up", platform: "reachable" });
  });
});

describe("lineLogger", () => {
  it("writes one line per entry with metadata as JSON (errors as name and message)", () => {
    const lines: string[] = [];
    const sink = {
      debug: (l: string) => lines.push(`debug ${l}`),
      info: (l: string) => lines.push(`info ${l}`),
      warn: (l: string) => lines.push(`warn ${l}`),
      error: (l: string) => lines.push(`error ${l}`),
    };
    const quiet = lineLogger(sink);
    quiet.debug?.("poll");
    quiet.info?.("heartbeat");
    quiet.warn?.("slow", { ms: 5 });
    const error = Object.assign(new TypeError("boom"), { body: "secret body" });
    quiet.error?.("failed", { error });
    const circular: Record<string, unknown> = {};
    circular["self"] = circular;
    quiet.warn?.("odd", circular);
    expect(lines).toEqual([
      'warn slow {"ms":5}',
      'error failed {"error":{"name":"TypeError","message":"boom"}}',
      "warn odd",
    ]);
    lines.length = 0;
    const verbose = lineLogger(sink, true);
    verbose.debug?.("poll");
    verbose.info?.("heartbeat", { n: 1 });
    expect(lines).toEqual(["debug poll", 'info heartbeat {"n":1}']);
  });
});
