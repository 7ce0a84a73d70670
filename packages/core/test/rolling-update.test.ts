// A rolling update as a Deployment does it (issue 99 item 3), over real HTTP through the emulator:
// two pods on one volume (one MOLECULE_STATE_DIR), each the quickstart with stopOnSignals and pid
// 1 in a PID namespace of its own (unshare, as root; else plain child processes). The old pod gets
// SIGTERM while a slow handler runs, and SIGKILL when the grace period ends; the new pod is
// created as the old one starts terminating (maxSurge 0: the Deployment controller creates it
// then) or before (maxSurge 1: it refuses while the old one runs), and restarted each time it
// exits (the state folder is still held), as a kubelet does. The
// handler runs once and its answer is sent once: the stop's drain is stopOnSignals' whole time,
// not the shorter `drainTimeoutMs`. Times are scaled down together: a 3 s handler, 8 s of grace
// (stopOnSignals 7 s) and a 2 s `drainTimeoutMs` stand for 15 s, 30 s (25 s) and the default 10 s.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import {
  type LineReader,
  OWN_PID_NAMESPACE,
  pidNamespaces,
  pidOneOf,
  readLines,
  waitFor,
} from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/rolling-update-child.mjs", import.meta.url));
const HANDLER_MS = 3_000;
const GRACE_MS = 8_000;
const STOP_MS = 7_000;
const DRAIN_MS = 2_000;

let emu: Emulator;
let volume: string;
const pods = new Set<Pod>();
beforeAll(async () => {
  emu = await startEmulator();
  volume = await mkdtemp(join(tmpdir(), "rolling-update-"));
});
afterEach(async () => {
  for (const pod of pods) await pod.kill();
  pods.clear();
});
afterAll(async () => {
  await emu.close();
  await rm(volume, { recursive: true, force: true });
});

/** One run of a pod's container: its stdout lines, its exit code, and its pid 1. */
interface Pod {
  out: LineReader;
  exited: Promise<number | null>;
  /** Sends `signal` to the agent's process (the container's pid 1), as a kubelet does. */
  signal(signal: NodeJS.Signals): void;
  kill(): Promise<void>;
}

function startPod(env: Record<string, string>): Pod {
  const [command, ...args] = [
    ...(pidNamespaces ? OWN_PID_NAMESPACE : []),
    process.execPath,
    CHILD,
  ] as [string, ...string[]];
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The agent's process: the child itself, or (in a PID namespace) the child of `unshare`.
  const agentPid = (): number => (pidNamespaces ? pidOneOf(child.pid!) : child.pid!);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const out = readLines(child.stdout!);
  const pod: Pod = {
    out,
    exited,
    signal: (signal) => process.kill(agentPid(), signal),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  pods.add(pod);
  return pod;
}

describe(`a rolling update on one volume (${pidNamespaces ? "two PID namespaces by unshare" : "two child processes"})`, () => {
  it.each([0, 1])(
    "maxSurge %i: a handler in flight at SIGTERM runs once, and its answer is sent once",
    async (maxSurge) => {
      const a = await emu.admin.createWorkspace({ name: "rolling", deliveryMode: "poll" });
      const s = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
      const sender = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: s.id,
        token: s.token!,
      });
      const env = {
        PLATFORM_URL: emu.url,
        WS_ID: a.id,
        WS_TOKEN: a.token!,
        MOLECULE_STATE_DIR: volume,
        HANDLER_MS: String(HANDLER_MS),
        STOP_MS: String(STOP_MS),
        DRAIN_MS: String(DRAIN_MS),
      };
      /** The answers the sender got, by the text they answer. */
      const answers = (): string[] =>
        emu
          .activity(s.id)
          .filter((r) => r["activity_type"] === "a2a_receive" && r["source_id"] === a.id)
          .map((r) => JSON.stringify(r["request_body"]).match(/You said: (\w+ \d+)/)?.[1] ?? "?");
      try {
        /** A pod's first line, or how it exited before one. */
        const firstWord = (pod: Pod): Promise<string> =>
          Promise.race([
            pod.out.line((l) => /^(started|refused) /.test(l)),
            pod.exited.then((code) => `exited ${code}`),
          ]);
        const old = startPod(env);
        expect(await firstWord(old)).toMatch(/^started /);
        if (maxSurge === 1) {
          // The new pod is created first: it refuses while the old one runs (then it is terminated).
          const early = startPod(env);
          // oxlint-disable-next-line vitest/no-conditional-expect -- only maxSurge 1 creates it first
          expect(await firstWord(early)).toMatch(/^refused store_in_use /);
          // oxlint-disable-next-line vitest/no-conditional-expect -- as above
          expect(await early.exited).toBe(1);
        }
        await sender.callPeer(a.id, "slow 1");
        await old.out.line((l) => l === "ran slow 1 0");

        // The old pod terminates; the new one is created at once (maxSurge 0) or restarted, and
        // restarted while it refuses.
        const sigterm = performance.now();
        old.signal("SIGTERM");
        const kubelet = setTimeout(() => old.signal("SIGKILL"), GRACE_MS);
        let next: Pod;
        for (;;) {
          next = startPod(env);
          const first = await firstWord(next);
          if (first.startsWith("started")) break;
          expect(first).toMatch(/^refused store_in_use |^exited 1$/);
          await next.exited;
        }
        const oldExit = await old.exited;
        const stoppedMs = performance.now() - sigterm;
        clearTimeout(kubelet);
        expect(oldExit).toBe(0); // stopped by itself within the grace period, not killed
        expect(stoppedMs).toBeLessThan(GRACE_MS);

        // The new pod has caught up once a message sent after it started is answered (a message
        // the old pod left unsettled would run before it).
        await sender.callPeer(a.id, "quick 2");
        await next.out.line((l) => l === "returned quick 2 0");
        await waitFor(() => answers().includes("quick 2"));
        const ran = [...old.out.lines, ...next.out.lines].filter((l) => l.startsWith("ran slow 1"));
        expect(ran).toEqual(["ran slow 1 0"]);
        expect(old.out.lines).toContain("returned slow 1 0"); // its signal never aborted
        expect(answers().toSorted()).toEqual(["quick 2", "slow 1"]);
      } finally {
        await sender.close();
      }
    },
    60_000,
  );
});
