// The resend scenarios both serverless examples prove against two instances of one workspace (two
// `wrangler dev` processes; two `next start` processes), each through the platform's proxy: the
// scenario is written once here and returns what happened; each example's test asserts it.
import type { A2ASendAnswer } from "./a2a-send.js";

/** Two instances of one workspace and the peer its handler calls (`ask <peer id>: <text>`). */
export interface ResendRig {
  /** Delivers `text` under `messageId` to instance `n` through the platform's proxy. */
  deliver(n: 0 | 1, messageId: string, text: string): Promise<A2ASendAnswer>;
  /** The peer the handler asks. */
  peerId: string;
  /** The texts the peer was called with, in order: one per run of the handler. */
  peerCalls: readonly string[];
  /** Texts the peer fails on while listed. */
  failing: Set<string>;
}

/** What a resend scenario saw, per delivery: its answer text (or error code) and its peer calls. */
export interface ResendSeen {
  answers: (string | number)[];
  /** How many times the peer was called while each delivery ran (the handler's runs). */
  runs: number[];
  /** The texts the peer was called with during the whole scenario. */
  calls: string[];
}

/** The text of a `message/send` answer, or its JSON-RPC error code. */
function seen(answer: A2ASendAnswer): string | number {
  if (answer.error !== undefined) return answer.error.code;
  const parts = (answer.result as { parts?: { text?: string }[] } | undefined)?.parts ?? [];
  return parts.map((p) => p.text ?? "").join("");
}

/**
 * Delivers `ask <peer>: <texts[i]>` under one `messageId` to the instances `to[i]` in turn; with
 * `failOnFirst`, the peer fails while the first delivery runs (the handler fails with it).
 */
export async function deliverInTurn(
  rig: ResendRig,
  messageId: string,
  deliveries: { to: 0 | 1; text: string }[],
  failOnFirst = false,
): Promise<ResendSeen> {
  const before = rig.peerCalls.length;
  const answers: (string | number)[] = [];
  const runs: number[] = [];
  for (const [i, d] of deliveries.entries()) {
    const fail = failOnFirst && i === 0;
    const start = rig.peerCalls.length;
    if (fail) rig.failing.add(d.text);
    try {
      answers.push(seen(await rig.deliver(d.to, messageId, `ask ${rig.peerId}: ${d.text}`)));
    } finally {
      if (fail) rig.failing.delete(d.text);
    }
    runs.push(rig.peerCalls.length - start);
  }
  return { answers, runs, calls: rig.peerCalls.slice(before) };
}
