// The kill -9 approval scenario the adapters' approvals must survive (issues #81, 88): an app
// whose `refund` tool a person approves first is killed (SIGKILL) while the request is pending;
// restarted, it waits on the same request, and the person's decision, made after the restart, runs
// the tool; killed again right after the tool ran (before the answer), the third process finds
// the call taken and does not run it again. The child appends each order it ran to RAN_FILE, hangs
// after the tool ran when HANG_AFTER_RUN is set, and prints `answer <json>` at the end.
import type { ChildRig } from "./kill-children.js";
import { fileLines, kill9 } from "./kill-children.js";
import { waitFor } from "./wait.js";

/** What the three runs showed. */
export interface ApprovalKills {
  /** The request the first run opened. */
  asked: { id: string; action: string };
  /** The third run's answer (the JSON after `answer `). */
  answer: unknown;
  /** The orders the tool ran, in all three runs (RAN_FILE). */
  ran: string[];
}

/** Runs the child `file` three times (killed twice) and returns what it showed. */
export async function approvalAcrossKills(opts: {
  rig: ChildRig;
  file: string;
  /** The child's environment; RAN_FILE is where its tool appends each order it ran. */
  env: Record<string, string> & { RAN_FILE: string };
  /** What each of the three runs adds to `env` (say, its model's call id). */
  runs?: readonly [Record<string, string>, Record<string, string>, Record<string, string>];
  /** The line the restarted child prints once it waits on the request. */
  waiting: string;
  /** The workspace's pending request, once there is one. */
  pending: () => Promise<{ id: string; action: string } | undefined>;
  /** Approves request `id`, as the person on the canvas. */
  approve: (id: string) => Promise<unknown>;
  /** The third child keeps running after its answer: send it SIGTERM (else it exits by itself). */
  stopThird?: boolean;
}): Promise<ApprovalKills> {
  const { rig, file, env } = opts;
  const [one, two, three] = opts.runs ?? [{}, {}, {}];
  // 1. Asked, then killed while the request is pending.
  const first = rig.start(file, { ...env, ...one });
  const asked = await waitFor(opts.pending, { timeoutMs: 20_000 });
  await kill9(first);

  // 2. Restarted: it waits on the same request. Decided after the restart, the tool runs; the
  // process is killed again before it answers.
  const second = rig.start(file, { ...env, ...two, HANG_AFTER_RUN: "1" });
  await waitFor(() => second.out.includes(opts.waiting), { timeoutMs: 20_000 });
  await opts.approve(asked.id);
  await waitFor(async () => (await fileLines(env.RAN_FILE)).length > 0, { timeoutMs: 20_000 });
  await kill9(second);

  // 3. Restarted again: the call is found taken, not run again.
  const third = rig.start(file, { ...env, ...three });
  const answer = await waitFor(() => third.out.find((l) => l.startsWith("answer ")), {
    timeoutMs: 20_000,
  });
  if (opts.stopThird) third.child.kill("SIGTERM");
  await third.exited;
  return {
    asked,
    answer: JSON.parse(answer.slice("answer ".length)) as unknown,
    ran: await fileLines(env.RAN_FILE),
  };
}
