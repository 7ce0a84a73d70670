// An OpenAI Agents SDK agent as a Molecule inbound-message handler: each message is one `run()`,
// with the conversation's history (core's `createConversationHandler`) as the run's input.
import { sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { createConversationHandler, readModelFiles } from "@molecule-ai/agent-core/adapters";
import type {
  ConversationHandler,
  ConversationHistoryOptions,
} from "@molecule-ai/agent-core/adapters";
import { run } from "@openai/agents";
import type { Agent, AgentInputItem, RunResult } from "@openai/agents";

/** Any OpenAI Agents SDK agent, whatever its context and output type. */
// oxlint-disable-next-line typescript/no-explicit-any -- `Agent` is invariant in both: `unknown` fits none
export type AnyAgent = Agent<any, any>;

/** The runner {@link createPeerMessageHandler} calls: `run` of `@openai/agents` by default. */
export type PeerRunFunction = (
  agent: AnyAgent,
  input: AgentInputItem[],
  options: { signal?: AbortSignal },
) => Promise<Pick<RunResult<unknown, AnyAgent>, "finalOutput" | "output">>;

/** Options of {@link createPeerMessageHandler}. */
export interface PeerMessageHandlerOptions extends ConversationHistoryOptions<AgentInputItem> {
  /**
   * Turns an inbound message into the user message's text. Default: its text through core's
   * `sanitizePeerText` (a sender's text is untrusted, whoever it claims to be). Text files the
   * message carries follow (sanitised, after a `[file <name> (<type>)]` line); other files are
   * named, not passed to the model.
   */
  formatMessage?: (message: InboundMessage) => string;
  /** Runs the agent (default: `run` of `@openai/agents`); a `Runner`'s `run` fits. */
  run?: PeerRunFunction;
  /** Called when a direct child workspace asks a person for approval (see core's `RemoteAgent`). */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
}

/**
 * Turns an OpenAI Agents SDK `Agent` into a Molecule inbound-message handler (a `RemoteAgent`
 * `handler`, poll or push): each message is one `run(agent, history + message)`, the answer is the
 * run's final output, and the run's new items join the conversation's history (kept per A2A
 * `contextId`, else per peer; one turn at a time per conversation). Inbound text is a `user`
 * message, never instructions. An answer no `callPeer` awaits (`msg.isReply`) runs no model.
 *
 * @example
 * new RemoteAgent({ client, handler: createPeerMessageHandler(agent) });
 */
export function createPeerMessageHandler(
  agent: AnyAgent,
  options: PeerMessageHandlerOptions = {},
): ConversationHandler {
  const runAgent: PeerRunFunction =
    options.run ?? ((a, input, o) => run(a, input, o) as ReturnType<PeerRunFunction>);
  const format = options.formatMessage ?? ((m: InboundMessage) => sanitizePeerText(m.text));
  const handler = createConversationHandler<AgentInputItem>({
    ...options,
    caller: "createPeerMessageHandler",
    run: async ({ messages, signal }) => {
      const result = await runAgent(agent, messages, signal ? { signal } : {});
      const out = result.finalOutput;
      const text = typeof out === "string" ? out : out === undefined ? "" : JSON.stringify(out);
      return { text, responseMessages: result.output };
    },
    toMessage: async (message, signal) => ({
      role: "user",
      content: await userText(format(message), message, signal),
    }),
    assistantMessage: (text) => ({
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text }],
    }),
    startsTurn: (item) => "role" in item && item.role === "user",
  });
  if (options.onApprovalEscalated) handler.onApprovalEscalated = options.onApprovalEscalated;
  return handler;
}

/** The user message's text: the message, then each text file it carries, and the others named. */
async function userText(
  text: string,
  message: InboundMessage,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { files, unread } = await readModelFiles(message, signal);
  const lines = [text, ...unread];
  for (const f of files) {
    lines.push(
      f.text === undefined
        ? `[file ${f.name} (${f.mediaType}): not passed to the model]`
        : `[file ${f.name} (${f.mediaType})]\n${f.text}`,
    );
  }
  return lines.join("\n");
}
