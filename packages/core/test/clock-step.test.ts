// A wall clock that steps (NTP correcting a drifted clock, a VM resumed from a snapshot) moves no
// heartbeat: a child agent whose Date.now()/new Date() jump 15 minutes back, or forward, mid-run
// keeps heartbeating on schedule (the times the emulator recorded, on the test's own clock) and
// reports no late heartbeat. Timers run on the monotonic clock; the wall clock is only for
// timestamps.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { maxGap } from "./fixtures/heartbeat-gaps.js";

const CHILD = fileURLToPath(new URL("./fixtures/clock-step-child.mjs", import.meta.url));
const PRELOAD = fileURLToPath(new URL("./fixtures/clock-step.mjs", import.meta.url));
const INTERVAL = 400;
const STEP = 15 * 60_000;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

/** Starts the child agent; `out` collects its stdout lines. */
function startChild(env: Record<string, string>): { child: ChildProcess; out: string[] } {
  const child = spawn(process.execPath, ["--import", PRELOAD, CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const out: string[] = [];
  let rest = "";
  child.stdout!.on("data", (b: Buffer) => {
    const parts = (rest + b.toString()).split("\n");
    rest = parts.pop()!;
    out.push(...parts);
  });
  return { child, out };
}

describe.each([
  ["back", -STEP],
  ["forward", STEP],
])("the wall clock steps %s by 15 minutes mid-run", (_, step) => {
  it("heartbeats stay on schedule and none is reported late", async () => {
    const w = await emu.admin.createWorkspace({ name: `clock-${step}`, deliveryMode: "poll" });
    const { child, out } = startChild({
      PLATFORM_URL: emu.url,
      WS_ID: w.id,
      WS_TOKEN: w.token!,
      INTERVAL_MS: String(INTERVAL),
      CLOCK_STEP_MS: String(step),
    });
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    try {
      await waitFor(() => out.includes("ready"), { timeoutMs: 15_000 });
      await waitFor(() => emu.heartbeats(w.id).length >= 2, { timeoutMs: 15_000 });
      child.kill("SIGUSR2");
      await waitFor(() => out.includes("stepped"), { timeoutMs: 15_000 });
      const from = Date.now();
      // Without monotonic timers a step back holds every timer armed before it for 15 minutes.
      const after = await waitFor(
        () => {
          const beats = emu.heartbeats(w.id).filter((t) => t >= from);
          return beats.length >= 4 ? beats : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(maxGap(after, from, after[3]!)).toBeLessThan(INTERVAL + 1_000);
      expect(out.filter((l) => l.startsWith("late"))).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
