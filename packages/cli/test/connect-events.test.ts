// What `molecule-agent connect` prints, from its agent's events: spawned as the built bin against
// the emulator, with a handler that fails on demand.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { useConnectHarness } from "./connect-helpers.js";

const FAILING = fileURLToPath(new URL("./fixtures/failing-handler.mjs", import.meta.url));
const h = useConnectHarness("connect-events-");

async function org() {
  const a = await h.emu.admin.createWorkspace({ name: "events-agent" });
  const p = await h.emu.admin.createWorkspace({ name: "events-peer" });
  const peer = new PlatformClient({ platformUrl: h.emu.url, workspaceId: p.id, token: p.token! });
  const env = {
    MOLECULE_PLATFORM_URL: h.emu.url,
    MOLECULE_WORKSPACE_ID: a.id,
    MOLECULE_WORKSPACE_TOKEN: a.token!,
    MOLECULE_POLL_INTERVAL: "0.05",
  };
  return { a, p, peer, env, tokens: [a.token!, p.token!] };
}

describe("molecule-agent connect output (from the agent's events)", () => {
  it("a failing handler: its first error and the dead letter on stderr, once each, no process warning", async () => {
    const { a, peer, env, tokens } = await org();
    const r = h.run(["--handler", FAILING], env);
    try {
      await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
      const id = randomUUID();
      await peer.callPeer(a.id, "fail", { messageId: id });
      await waitFor(() => r.err().includes("dead-lettered"));
      const lines = r.err().split("\n");
      const first = lines.filter((l) => l.includes("inbound handler failed"));
      expect(first).toHaveLength(1); // attempt 1 only; the retries are debug detail
      expect(first[0]).toMatch(
        /^\[molecule\] warn inbound handler failed \(attempt 1\); retrying in \d+ ms: Error: handler refused/,
      );
      expect(lines.filter((l) => l.includes("dead-lettered"))).toEqual([
        expect.stringMatching(
          /^\[molecule\] error inbound message dead-lettered \(handler_failed\): Error: handler refused/,
        ),
      ]);
      expect(r.err()).not.toContain("(node:"); // no second report as a process warning
      expect(r.out()).not.toContain("handled"); // a dead-lettered message is not "handled"
      for (const t of tokens) expect(r.out() + r.err()).not.toContain(t);
    } finally {
      r.child.kill("SIGTERM");
      await r.exit;
      await peer.close();
    }
  });

  it("one stdout line per handled message, with its sender and latency, never its text", async () => {
    const { a, p, peer, env, tokens } = await org();
    const r = h.run(["--handler", FAILING], env);
    try {
      await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
      const id = randomUUID();
      await peer.callPeer(a.id, "hello", { messageId: id });
      await waitFor(() => r.out().includes(`handled ${id}`), { timeoutMs: 30_000 });
      expect(r.out()).toMatch(
        new RegExp(`\\[molecule\\] handled ${id} from ${p.id} in \\d+ ms \\(answered\\)`),
      );
      expect(r.out() + r.err()).not.toContain("hello");
      for (const t of tokens) expect(r.out() + r.err()).not.toContain(t);
    } finally {
      r.child.kill("SIGTERM");
      expect(await r.exit).toBe(0);
      await peer.close();
    }
  });
});

describe("connect's message lines under a burst", () => {
  it("prints at most 20 message lines a second and one line counting the rest", async () => {
    const { EventEmitter } = await import("node:events");
    const { printAgentEvents } = await import("../src/commands/connect-events.js");
    type Agent = Parameters<typeof printAgentEvents>[0];
    const agent = new EventEmitter();
    const out: string[] = [];
    const o = {
      prefix: "[molecule]",
      verbose: false,
      out: (l: string) => out.push(l),
      err: () => {},
    };
    printAgentEvents(agent as unknown as Agent, o, "http://platform");
    const n = 50;
    const began = performance.now();
    for (let i = 0; i < n; i++) {
      const message = { messageId: `m${i}`, source: "canvas", isReply: false };
      agent.emit("handled", { message, attempts: 1, durationMs: 1, replied: true });
    }
    const seconds = (performance.now() - began) / 1_000;
    agent.emit("stopped", {});
    const lines = out.filter((l) => /^\[molecule\] handled m\d+ /.test(l));
    const counted = out
      .map((l) => /^\[molecule\] (\d+) more message\(s\) handled in the last second/.exec(l)?.[1])
      .reduce((sum, c) => sum + Number(c ?? 0), 0);
    expect(lines.length + counted).toBe(n);
    expect(lines.length).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
  });
});
