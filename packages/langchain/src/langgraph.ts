// @molecule-ai/langchain/langgraph: a Molecule peer as a LangGraph node, A2A `input-required`
// answered through interrupt() / Command({ resume }), and inbound A2A conversations as threads.
// Needs the optional peer @langchain/langgraph; the package's main entry never loads it.
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import {
  Command,
  getConfig,
  INTERRUPT,
  interrupt,
  isInterrupted,
  task,
} from "@langchain/langgraph";
import {
  callPeerStep,
  inputRequestQuestion,
  peerInputRequest,
  stepIds,
} from "@molecule-ai/agent-core/peer-tools";
import type { AgentSource, PeerCallClient, PeerStep } from "@molecule-ai/agent-core/peer-tools";
import {
  createPeerMessageHandler,
  type MessagesRunnable,
  type PeerMessageHandlerOptions,
  type StreamingPeerMessageHandler,
} from "./handler.js";
import { asQuestion, threadInterrupts } from "./question.js";
import type { PeerCallOptions } from "@molecule-ai/agent-core";

export type { PeerInputRequest } from "@molecule-ai/agent-core/peer-tools";

/** Options of {@link peerNode}. */
export interface PeerNodeOptions<State> {
  /** The text sent to the peer. Default: the text of the last message in `state.messages`. */
  message?: (state: State) => string;
  /** Extra call options (`timeoutMs`, `via`, `metadata`, ...). */
  callOptions?: Omit<PeerCallOptions, "signal" | "contextId" | "taskId">;
}

/**
 * A Molecule peer as a LangGraph node over a `messages` state (`MessagesAnnotation`,
 * `MessagesValue`): it sends the last message's text to the peer and appends the peer's answer
 * (sanitised) as an `AIMessage`. When the peer answers `input-required`, the node calls
 * `interrupt()` with a {@link PeerInputRequest}; resume the thread with
 * `graph.invoke(new Command({ resume: "the answer" }), config)` and the node sends the answer in the
 * same A2A context and task. Each peer call runs as a LangGraph `task`, so resuming does not call
 * the peer again for what it already answered. Needs a checkpointer to interrupt.
 *
 * @param source - A `RemoteAgent` (awaits peers that poll) or anything with `callPeer`.
 * @param peer - The peer's workspace id, or `{ id, name }` (the name labels its messages).
 */
export function peerNode<State extends { messages: BaseMessage[] }>(
  source: PeerCallClient | AgentSource,
  peer: string | { id: string; name: string },
  options: PeerNodeOptions<State> = {},
): (state: State) => Promise<{ messages: BaseMessage[] }> {
  const ref = typeof peer === "string" ? { id: peer, name: peer } : peer;
  const { id, name } = ref;
  const call = task(
    `molecule_call_${id}`,
    (text: string, ids: Pick<PeerStep, "contextId" | "taskId">) => {
      const signal = getConfig()?.signal;
      return callPeerStep(source, ref, text, {
        ...options.callOptions,
        ...ids,
        ...(signal ? { signal } : {}),
      });
    },
  );
  const label = (step: PeerStep) => ({
    molecule: { peerId: id, peerName: name, status: step.status, contextId: step.contextId },
  });
  return async (state) => {
    const messages: BaseMessage[] = [];
    let step = await call(options.message?.(state) ?? state.messages.at(-1)?.text ?? "", {});
    while (step.status === "input-required") {
      const answer: unknown = interrupt(peerInputRequest(ref, step));
      const text = typeof answer === "string" ? answer : JSON.stringify(answer);
      messages.push(new AIMessage({ content: step.text, additional_kwargs: label(step) }));
      messages.push(new HumanMessage(text));
      step = await call(text, stepIds(step));
    }
    messages.push(new AIMessage({ content: step.text, additional_kwargs: label(step) }));
    return { messages };
  };
}

/** A compiled graph with a checkpointer: what {@link createGraphMessageHandler} drives. */
export interface InterruptibleGraph extends MessagesRunnable {
  getState(config: {
    configurable?: Record<string, unknown>;
  }): Promise<{ tasks?: readonly { interrupts?: readonly unknown[] }[] }>;
}

/** The question of a state that ended on `interrupt(value)`: a string, or `value.question`. */
function interruptQuestion(state: unknown): string | undefined {
  if (!isInterrupted(state) || state[INTERRUPT].length === 0) return undefined;
  return state[INTERRUPT].map(({ value }) => inputRequestQuestion(value)).join("\n");
}

/**
 * Answers inbound messages with a compiled LangGraph graph, one thread per A2A conversation
 * (`thread_id` from the `contextId`, else the sender). A run that stops at `interrupt(value)`
 * answers with the question (`value` when a string, else `value.question`, else its JSON) as an
 * A2A `input-required` task (push and poll delivery), whose answer (a message with that task's id,
 * in the same conversation) resumes the thread with `Command({ resume: text })`.
 * Everything else is {@link createPeerMessageHandler}, streaming included.
 */
export function createGraphMessageHandler(
  graph: InterruptibleGraph,
  options: PeerMessageHandlerOptions = {},
): StreamingPeerMessageHandler {
  type Config = Parameters<MessagesRunnable["invoke"]>[1];
  const start = async (input: { messages: BaseMessage[] }, config: Config) => {
    const waiting = (await threadInterrupts(graph, config ?? {})).length > 0;
    // A Command is what LangGraph takes in place of the input to resume an interrupted thread.
    return (
      waiting ? new Command({ resume: input.messages.at(-1)?.text ?? "" }) : input
    ) as typeof input;
  };
  const runnable: MessagesRunnable = {
    invoke: async (input, config) => {
      const state = await graph.invoke(await start(input, config), config);
      const question = interruptQuestion(state);
      return question === undefined ? state : asQuestion({ messages: [new AIMessage(question)] });
    },
  };
  const stream = graph.stream?.bind(graph);
  if (stream) {
    runnable.stream = async function* (input, config) {
      for await (const event of await stream(await start(input, config), config)) {
        const question = Array.isArray(event) ? interruptQuestion(event[1]) : undefined;
        if (question === undefined) yield event;
        else {
          yield ["messages", [new AIMessageChunk(question), {}]];
          yield ["values", asQuestion({ messages: [new AIMessage(question)] })];
        }
      }
    };
  }
  return createPeerMessageHandler(runnable, { threadId: "context", ...options });
}

export * from "./memory-store.js";
export * from "./approval-interrupt.js";
