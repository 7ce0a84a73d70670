// The push source: a pushed A2A message (the `onMessage` of every push handler) through the same
// stages as a polled one: admit (ids, de-dup, the store's claim), route (an awaited answer, the
// turn limit), run (the dispatcher), answer (the handler's answer is the A2A result; never for a
// message that is itself an answer). A message sent as an A2A task is canceled with it:
// `tasks/cancel` (on any replica sharing the task store) aborts its handler.
import { randomUUID } from "../../runtime/index.js";
import type { A2AHandlerContext, A2AMessage, A2ATask } from "../../a2a/index.js";
import { contentFingerprint, endpointKey, inputRequired, keyedId } from "../../a2a/index.js";
import { A2ARpcError, handlerFailedRpcError } from "../../a2a/index.js";
import { MoleculeError } from "../../transport/index.js";
import { type InboundMessage, BoundedSet, pushKey, isAskingForInput } from "../../inbound/index.js";
import type { Admission, PushAnswer, PushSettled } from "../admit/admission.js";
import { CANCELED, REDELIVERED } from "../admit/admission.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { PushClaim } from "../../store/index.js";
import type { AgentFiles } from "./agent-files.js";
import { PushSlots } from "./push-slots.js";

/** The agent does not take pushed messages now: the sender should retry later. */
function notAccepting(code: "agent_not_running" | "agent_stopping", state: string): MoleculeError {
  return new MoleculeError(
    `the agent ${state}: the message was not handled; the sender should retry later.`,
    { code, retryable: true },
  );
}

/** The A2A answer of a canceled message: its task, `canceled`. */
function canceledTask(msg: InboundMessage): A2ATask {
  return {
    kind: "task",
    id: randomUUID(),
    contextId: msg.contextId ?? randomUUID(),
    status: { state: "canceled", timestamp: new Date().toISOString() },
  };
}

/**
 * The task of a question asked by the handler of the pushed message of `key` (its `pushKey`): the
 * task the message continues or was sent as, else one named after the message under the
 * endpoint's `taskKey`, so a resend of it (a proxy retry, a caller's resend, after a restart too)
 * is answered with the same task, and nobody without the endpoint's key can compute its id.
 */
function questionTask(ctx: A2AHandlerContext, key: string, text: string, taskKey: string): A2ATask {
  const task = inputRequired(ctx, text);
  if (ctx.taskId !== undefined) return task;
  const id = keyedId(taskKey, key);
  task.id = id;
  if (task.status.message) task.status.message.taskId = id;
  return task;
}

/** Handles pushed A2A messages for one agent. */
export class PushSource {
  /** Whether the agent takes messages now (set by the agent as it starts and stops). */
  accepting = false;
  /** A pushed message is claimed (its delivery counted) only once it has a slot to run in. */
  readonly #slots: PushSlots;
  /** Pushed messages (by `pushKey`) whose handler asked a question: resends get its task. */
  readonly #asked = new BoundedSet(1_000);
  /** The key of question tasks when the caller names none: this instance's alone. */
  readonly #taskKey = endpointKey(false, "task");

  /** @param concurrency the agent's: pushed messages that run at once */
  constructor(
    readonly admission: Admission,
    readonly router: Router,
    readonly runner: Dispatcher,
    readonly files: AgentFiles,
    concurrency: number,
  ) {
    this.#slots = new PushSlots(concurrency);
  }

  /**
   * Handles one pushed message; resolves with the answer text (or nothing, or a `canceled` task
   * once the message was canceled). When `ctx` carries a task (a non-blocking or streaming
   * send), the task's signal cancels the message: `tasks/cancel` aborts its handler. `taskKey`:
   * the endpoint's key its question tasks are named under (`endpointKey(pathSecret, "task")`).
   */
  async onMessage(
    message: A2AMessage,
    ctx?: A2AHandlerContext,
    taskKey?: string,
  ): Promise<string | A2ATask | void> {
    if (!this.accepting) throw notAccepting("agent_not_running", "is not running");
    const msg = this.admission.pushed(message);
    // The conversation the server answers in: the caller's contextId, a continued task's, or the
    // fresh one the answer carries (so a caller that sends it back continues the conversation).
    if (ctx !== undefined) msg.contextId ??= ctx.contextId;
    // Only a task can be canceled; a blocking send's signal is left alone (reading it would also
    // abort the handler when the caller disconnects, and a resend gets the remembered answer).
    const cancel = ctx?.taskId !== undefined ? ctx.signal : undefined;
    // No sender of a push is authenticated: a resend (same messageId, same content) joins the run
    // of its message (the store's claim included) or gets its answer; another message reusing the
    // id is handled as its own.
    const content = contentFingerprint(message);
    const key = pushKey(message.messageId, content);
    const answer = await this.admission.once(key, () =>
      this.router.route(msg) === "handler"
        ? this.#run(msg, content, key, cancel)
        : Promise.resolve(undefined),
    );
    return this.#result(msg, key, answer, ctx, taskKey);
  }

  /**
   * The A2A result of `msg` answered with `answer`: a canceled task, the task of a question the
   * handler asked (also for the message's resends: the task waits for its answer), or the text.
   */
  #result(
    msg: InboundMessage,
    key: string,
    answer: PushAnswer,
    ctx: A2AHandlerContext | undefined,
    taskKey: string | undefined,
  ): string | A2ATask | undefined {
    if (answer === CANCELED) return canceledTask(msg);
    const asking = isAskingForInput(msg);
    if (asking) this.#asked.add(key);
    if (typeof answer === "string" && ctx !== undefined && (asking || this.#asked.has(key))) {
      return questionTask(ctx, key, answer, taskKey ?? this.#taskKey);
    }
    return answer;
  }

  /**
   * Takes a slot, claims `msg` in the store, runs it and settles or releases the claim. A message
   * claimed before and never settled (in flight when its process died) runs alone (see
   * {@link PushSlots}).
   */
  async #run(
    msg: InboundMessage,
    content: string,
    key: string,
    cancel: AbortSignal | undefined,
  ): Promise<PushAnswer> {
    let alone = false;
    let free = await this.#slots.take(alone, cancel);
    try {
      for (;;) {
        if (!this.accepting) throw notAccepting("agent_stopping", "is stopping");
        const claim = await this.admission.claim(msg, content, alone);
        if (claim !== REDELIVERED) return await this.#runClaimed(msg, key, claim, cancel);
        free();
        free = await this.#slots.take((alone = true), cancel);
      }
    } finally {
      free();
    }
  }

  async #runClaimed(
    msg: InboundMessage,
    key: string,
    claim: PushClaim | PushSettled | undefined,
    cancel: AbortSignal | undefined,
  ): Promise<PushAnswer> {
    if (claim && "status" in claim) {
      if (claim.asked === true) this.#asked.add(key); // answered as the question's task
      return claim.reply;
    }
    this.files.attach(msg, "push");
    const outcome = await this.runner.submit(msg, {
      redelivered: claim?.redelivered ?? false,
      reply: false,
      cancel,
    });
    // Never answer an answer: the handler saw it, its return value goes nowhere.
    if (outcome.status === "handled") {
      const reply = msg.isReply ? undefined : outcome.reply;
      await claim?.settle(reply, { asked: isAskingForInput(msg) });
      return reply;
    }
    if (outcome.status === "canceled") {
      await claim?.settle(undefined); // a cancel is final: no replica runs it again
      return CANCELED;
    }
    await claim?.release();
    if (outcome.status === "aborted") throw notAccepting("agent_stopping", "is stopping");
    // The handler's own choice of JSON-RPC error stands; any other failure (dead-lettered after
    // every attempt) tells the caller it failed and will not be answered, never a bare -32603.
    if (outcome.error instanceof A2ARpcError) throw outcome.error;
    throw handlerFailedRpcError(msg.messageId);
  }
}
