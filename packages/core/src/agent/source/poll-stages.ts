// One polled message through the stages after the source: the admit stage's entry checks and
// de-duplication by messageId, the delivery limit, route, run (the answer goes to the reply
// outbox) and the acknowledgement of its files. The poll queue (poll-queue.ts) hands each message
// here, and so does a shared store (replicas) that runs the poll loop itself. The agent builds it
// and gives it to its poll source (poll-source.ts).
import type { AgentObserver } from "../../events/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import { messageKey } from "../../inbound/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import { PollTasks } from "../answer/poll-tasks.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { AgentFiles } from "./agent-files.js";
import type { PollDelivery, PollHandler } from "./poll-queue.js";

/** Thrown out of {@link Admission.once} by a polled message the agent stopped before it settled. */
const ABANDONED = Symbol("abandoned");

/** The stages a polled message goes through, as the agent built them. */
export interface PollStageSet {
  admission: Admission;
  router: Router;
  runner: Dispatcher;
  answers: Answers;
  files: AgentFiles;
}

/** Hands one polled message to the agent's stages, and says whether it settled. */
export class PollStages implements PollHandler {
  readonly #admission: Admission;
  readonly #router: Router;
  readonly #runner: Dispatcher;
  readonly #answers: Answers;
  readonly #files: AgentFiles;
  readonly #observer: AgentObserver;

  constructor(stages: PollStageSet, observer: AgentObserver) {
    this.#admission = stages.admission;
    this.#router = stages.router;
    this.#runner = stages.runner;
    this.#answers = stages.answers;
    this.#files = stages.files;
    this.#observer = observer;
  }

  /**
   * Hands one message on, or settles it: refused at entry, settled or running already under its
   * messageId (it settles with that run), dead-lettered, taken, dropped, cut, answered.
   */
  async handle(msg: InboundMessage, info: PollDelivery): Promise<"settled" | "abandoned"> {
    if (this.#admission.isRejected(msg)) return "settled";
    try {
      await this.#admission.once(messageKey(msg), () => this.#runStages(msg, info));
      return "settled";
    } catch (err) {
      if (err === ABANDONED) return "abandoned";
      throw err;
    }
  }

  async #runStages(msg: InboundMessage, info: PollDelivery): Promise<undefined> {
    if (this.#admission.isOverDelivered(info.deliveries))
      return await this.#admission.deadLetterOverDelivered(msg, info.deliveries!);
    const route = this.#router.route(msg);
    if (route === "delegationResult") this.#observer.delegationResult(msg);
    if (route !== "handler") return;
    this.#files.attach(msg, "poll");
    // Its answer is queued: handled by a run that died before settling it (files included).
    if (info.redelivered && this.#answers.answered(msg)) {
      if (msg.files) await this.#files.acknowledge(msg);
      return;
    }
    if (PollTasks.continues(msg) && !(await this.#answers.admitTask(msg))) return; // refused
    const outcome = await this.#runner.submit(msg, {
      redelivered: info.redelivered,
      reply: !msg.isReply, // never answer an answer
    });
    if (outcome.status === "aborted") throw ABANDONED; // not settled: not remembered
    // Files are acknowledged once the handler succeeded (a crash before: kept for the redelivery).
    if (outcome.status === "handled" && msg.files) await this.#files.acknowledge(msg);
  }
}
