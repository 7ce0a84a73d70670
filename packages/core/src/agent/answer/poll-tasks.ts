// The A2A tasks of a poll-delivered agent. Its answers travel as messages (activity rows), not as
// A2A results, so the tasks a push endpoint keeps are kept here, in the same task store (the
// store's `tasks`, else in memory): a handler that asks a question (`askForInput`) opens a task in
// `input-required` and its answer names it (metadata `molecule_task_*`); the caller's next message
// with that `taskId` continues it: checked before the handler runs (a task this agent asked that
// same, platform-authenticated sender, and not finished), then completed by the handler's answer.
// A continuation that fails the check (or that the store cannot check) is refused with the A2A
// server's JSON-RPC error code.
import { randomUUID } from "../../runtime/index.js";
import { A2AErrorCode, MemoryTaskStore } from "../../a2a/index.js";
import type { A2AMessage, A2ATask, A2ATaskStore, AnswerTask } from "../../a2a/index.js";
import { type InboundMessage, isAskingForInput } from "../../inbound/index.js";
import { describe, type Logger } from "../../transport/index.js";

/** Task metadata key: the workspace the task answers (the authenticated sender that opened it). */
const CALLER_KEY = "molecule_caller_workspace_id";
/** Tasks a poll agent keeps in memory when its store has no task store. */
const MEMORY_TASKS = 1_000;
/** Messages a poll task's history keeps (oldest dropped first). */
const HISTORY_KEPT = 100;

const TERMINAL = new Set(["completed", "canceled", "failed", "rejected"]);

/** A continuation refused before its handler runs: answered with `text`, as `task`. */
export interface Refusal {
  text: string;
  task: AnswerTask;
}

/** The A2A message of an inbound message, as a task's history keeps it. */
function historyOf(msg: InboundMessage, task: A2ATask): A2AMessage {
  return {
    kind: "message",
    messageId: msg.messageId ?? randomUUID(),
    role: "user",
    parts: msg.parts,
    contextId: task.contextId,
    taskId: task.id,
  };
}

/** See the file comment. */
export class PollTasks {
  readonly #workspaceId: string;
  #tasks: A2ATaskStore;
  readonly #logger: Logger;
  /** Tasks being continued by a message whose handler runs (checked by {@link check}). */
  readonly #continuing = new WeakMap<InboundMessage, A2ATask>();

  /** @param workspaceId this agent's workspace; @param store the store's task store, if any */
  constructor(workspaceId: string, store: A2ATaskStore | undefined, logger: Logger) {
    this.#workspaceId = workspaceId;
    this.#tasks = store ?? new MemoryTaskStore(MEMORY_TASKS);
    this.#logger = logger;
  }

  /** Keeps the tasks in `store` from now on (the default store, opened at start). */
  use(store: A2ATaskStore): void {
    this.#tasks = store;
  }

  /** Whether polled `msg` continues a task (its `taskId`; an answer never does). */
  static continues(msg: InboundMessage): boolean {
    return msg.taskId !== undefined && !msg.isReply;
  }

  /**
   * Whether the answer to `msg` belongs to a task ({@link answered} then stores it): it asks for
   * input, or continues a task checked by {@link check}.
   */
  holds(msg: InboundMessage): boolean {
    return isAskingForInput(msg) || this.#continuing.has(msg);
  }

  /**
   * Checks the task a polled message continues (`msg.taskId`); resolves a refusal when the message
   * may not continue it or the store cannot tell, else nothing (the message then runs in the
   * task's conversation).
   */
  async check(msg: InboundMessage): Promise<Refusal | undefined> {
    const id = msg.taskId;
    if (id === undefined || !PollTasks.continues(msg)) return undefined;
    let task: A2ATask | undefined;
    try {
      task = await this.#tasks.get(id, this.#workspaceId);
    } catch (err) {
      // The store cannot tell: the sender is told to retry, as the A2A endpoint tells it.
      this.#logger.error?.("the task store could not be read for a continued task", {
        taskId: id,
        error: describe(err),
      });
      const text = `the task store of this agent is unavailable, so task ${id} cannot be continued now; try again later`;
      return { text, task: { id, state: "unknown", error: A2AErrorCode.InternalError } };
    }
    // Another sender's task is not found, exactly as if it did not exist.
    if (
      task === undefined ||
      msg.sourceId === null ||
      task.metadata?.[CALLER_KEY] !== msg.sourceId
    ) {
      const text = `Task ${id} not found: continue only a task this agent asked you (its taskId), or send a message without taskId to start a new task`;
      return { text, task: { id, state: "rejected", error: A2AErrorCode.TaskNotFound } };
    }
    const state = task.status.state;
    if (TERMINAL.has(state)) {
      const text = `Task ${id} is in a terminal state (${state}) and cannot be continued; send a message without taskId to start a new task`;
      return { text, task: { id, state, error: A2AErrorCode.InvalidRequest } };
    }
    if (msg.contextId !== undefined && msg.contextId !== task.contextId) {
      const text = `the message's contextId does not match the contextId of task ${id}; omit it or send the task's`;
      return { text, task: { id, state, error: A2AErrorCode.InvalidRequest } };
    }
    msg.contextId = task.contextId;
    this.#continuing.set(msg, task);
    return undefined;
  }

  /**
   * The task the answer `text` to `msg` belongs to, stored in its new state before the answer is
   * queued (so the caller never learns an id the store does not hold): a question opens a task
   * (or keeps the continued one open), any other answer to a continuation completes it. Nothing
   * for a plain answer to a plain message, or to a sender no task can be answered by (the canvas).
   */
  async answered(msg: InboundMessage, text: string): Promise<AnswerTask | undefined> {
    if (!this.holds(msg)) return undefined;
    const asking = isAskingForInput(msg);
    const continued = this.#continuing.get(msg);
    if (msg.source !== "peer_agent" || msg.sourceId === null) return undefined;
    const task: A2ATask = continued ?? {
      kind: "task",
      id: randomUUID(),
      contextId: msg.contextId ?? randomUUID(),
      status: { state: "submitted" },
      metadata: { [CALLER_KEY]: msg.sourceId },
    };
    const state = asking ? "input-required" : "completed";
    const reply: A2AMessage = {
      kind: "message",
      messageId: randomUUID(),
      role: "agent",
      parts: [{ kind: "text", text }],
      contextId: task.contextId,
      taskId: task.id,
    };
    const history = [...(task.history ?? []), historyOf(msg, task), reply].slice(-HISTORY_KEPT);
    const next: A2ATask = {
      ...task,
      status: { state, timestamp: new Date().toISOString(), message: reply },
      history,
    };
    await this.#tasks.save(next, this.#workspaceId);
    return { id: task.id, state };
  }
}
