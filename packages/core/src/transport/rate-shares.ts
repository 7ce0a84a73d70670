// Fair shares of a rate bucket's new calls (rate-budget.ts). The new calls (class `request`, sent
// by an agent's own code: a call to a peer, a lookup; not the poll's reads, which keep their place)
// go in rounds of their agents (an agent's transport each): in a round an agent takes a quantum of
// turns, then yields to the agents still under theirs; once every waiting agent has had its
// quantum, a new round starts in the order asked. The quantum is several turns, sized from the
// budget and the agents: a window's spare turns (what the reserve leaves), halved (an answer costs
// a question and a reply), shared by the agents that sent anything into the bucket in this window
// or the last. So an agent's questions still go out several together (its peer reads them in one
// read, and answers them in one go), and no agent waits behind another's burst for more than one
// round. Replies and reads are not shared out: they go in the order asked, before new calls.

/** An agent's turns in the round it last took one in. */
interface Share {
  round: number;
  used: number;
}

/** The rounds of one bucket's new calls. */
export class FairShares {
  readonly #shares = new WeakMap<object, Share>();
  /** The agents that sent into the bucket in this window, and how many in the one before. */
  #seen = new Set<object>();
  #seenBefore = 0;
  /** The round being served. */
  #round = 0;

  /** A request of `agent` (any class) goes into the bucket: it shares the budget. */
  seen(agent: object): void {
    this.#seen.add(agent);
  }

  /** A new window of the platform: the agents seen so far were those of the window before. */
  newWindow(): void {
    this.#seenBefore = this.#seen.size;
    this.#seen = new Set();
  }

  /** Turns an agent takes a round, of `spare` a window. */
  quantum(spare: number): number {
    const agents = Math.max(1, this.#seen.size, this.#seenBefore);
    return Math.max(1, Math.floor(spare / (2 * agents)));
  }

  /** Turns of the round being served `agent` took. */
  used(agent: object): number {
    const s = this.#shares.get(agent);
    return s === undefined || s.round < this.#round ? 0 : s.used;
  }

  /** `agent` took a turn of a new call. */
  took(agent: object): void {
    const s = this.#shares.get(agent);
    if (s === undefined) this.#shares.set(agent, { round: this.#round, used: 1 });
    else if (s.round < this.#round) {
      s.round = this.#round;
      s.used = 1;
    } else s.used++;
  }

  /** Every waiting agent has had its quantum: the next round starts. */
  nextRound(): void {
    this.#round++;
  }
}
