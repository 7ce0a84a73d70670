// The in-process crash of the failure-isolation tests (#29 item 5), one store after another: four
// messages queued ("poison" first), an agent whose poison handler hangs until the agent is stopped
// (and a neighbour running beside it hangs with it) is stopped each round, as a crash would end
// it, and a new agent takes over the store. Only the message that never settles should accrue
// deliveries: the test then expects the poison dead-lettered alone and its 3 neighbours handled.
import { waitFor } from "./wait.js";

/** The four messages a workspace is sent, in this order: the poison one and its neighbours. */
export const POISON_AND_NEIGHBOURS = ["poison", "b1", "b2", "b3"] as const;

/** The parts of a message and its handler context the rounds read (as RemoteAgent gives them). */
interface Inbound {
  text: string;
}
interface HandlerCtx {
  redelivered: boolean;
  signal: AbortSignal;
}

/** What each round's agent is built with (spread into the agent's options). */
export interface PoisonRoundHooks {
  /** 4: all four messages can run at once. */
  concurrency: number;
  /** 1 ms: a stop aborts the hung handlers at once. */
  drainTimeoutMs: number;
  pollIntervalMs: number;
  logger: Record<string, never>;
  /** The agent's handler. */
  handler: (m: Inbound, ctx: HandlerCtx) => Promise<void>;
  /** The agent's `onDeadLetter`. */
  onDeadLetter: (m: Inbound) => void;
}

/** What the rounds saw: the texts dead-lettered, and those handled to the end. */
export interface PoisonRounds {
  dead: string[];
  ok: string[];
}

/**
 * Runs at most `max + 3` rounds until the 3 neighbours are handled. `start` builds and starts the
 * round's agent with the hooks spread into its options, and returns
 * its stop (which also closes what the round opened). A round ends once the poison message runs
 * (the first round: once all four started), or waits at most `timeoutMs` for it.
 */
export async function hungPoisonRounds(opts: {
  max: number;
  timeoutMs: number;
  start: (hooks: PoisonRoundHooks, run: number) => Promise<() => Promise<void>>;
}): Promise<PoisonRounds> {
  const dead: string[] = [];
  const ok: string[] = [];
  for (let run = 0; run < opts.max + 3 && ok.length < 3; run++) {
    let poisoned = false;
    const started = new Set<string>();
    const stop = await opts.start(
      {
        concurrency: 4,
        drainTimeoutMs: 1,
        pollIntervalMs: 50,
        logger: {},
        onDeadLetter: (m) => void dead.push(m.text),
        handler: async (m, ctx) => {
          started.add(m.text);
          // The poison hangs until stopped; a neighbour running beside it hangs with it.
          if (m.text === "poison") poisoned = true;
          if (m.text === "poison" || poisoned || !ctx.redelivered) {
            await new Promise((_, reject) => ctx.signal.addEventListener("abort", reject));
          }
          ok.push(m.text);
        },
      },
      run,
    );
    try {
      // The crash: once the poison message runs (beside all that will run with it), stop.
      await waitFor(() => started.has("poison") || ok.length === 3, {
        timeoutMs: opts.timeoutMs,
      });
      if (run === 0) await waitFor(() => started.size === 4, { timeoutMs: opts.timeoutMs });
      await new Promise((r) => setImmediate(r));
    } finally {
      await stop();
    }
  }
  return { dead, ok };
}
