// An OpenAI Agents SDK agent as a Molecule inbound-message handler: each message is one `run()`,
// with the conversation's history (core's `createConversationHandler`) as the run's input, streamed
// to a caller that streams (`run(..., { stream: true })`), and each tool call the SDK interrupts
// for (`needsApproval`) decided by a person on the canvas before the run resumes from its state.
import { sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage, Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import {
  addStartCheck,
  createConversationHandler,
  readModelFiles,
} from "@molecule-ai/agent-core/adapters";
import type {
  ConversationHandler,
  ConversationHistoryOptions,
} from "@molecule-ai/agent-core/adapters";
import { decisionOn, toolCallVerdict } from "@molecule-ai/agent-core/org";
import type {
  ApprovalRequestInput,
  ApprovalResult,
  ApprovalWaitOptions,
} from "@molecule-ai/agent-core/org";
import { run } from "@openai/agents";
import { checkModelKey } from "./model-check.js";
import { peerToolSource } from "./peer-tools.js";
import type { Agent, AgentInputItem, RunState, RunToolApprovalItem } from "@openai/agents";

/** Any OpenAI Agents SDK agent, whatever its context and output type. */
// oxlint-disable-next-line typescript/no-explicit-any -- `Agent` is invariant in both: `unknown` fits none
export type AnyAgent = Agent<any, any>;

/** What {@link createPeerMessageHandler} reads of a run's result (`RunResult` / `StreamedRunResult`). */
export interface PeerRunResult {
  finalOutput?: unknown;
  /** The run's new items (all of them, across resumptions): what joins the history. */
  output: AgentInputItem[];
  /** The tool calls waiting for a decision (`needsApproval`); empty when the run ended. */
  interruptions?: RunToolApprovalItem[] | undefined;
  /** The resumable state: approved / rejected items are marked on it, then it is run again. */
  state?: Pick<RunState<unknown, AnyAgent>, "approve" | "reject"> | undefined;
  /** A streamed run's text as it is generated (`StreamedRunResult`). */
  toTextStream?: (() => AsyncIterable<string>) | undefined;
  /** A streamed run's end: rejects with the run's error. */
  completed?: Promise<void> | undefined;
}

/**
 * The runner {@link createPeerMessageHandler} calls: `run` of `@openai/agents` by default; that
 * `run` and a `Runner`'s (bound) fit as they are. `input` is the history plus the message, or the
 * interrupted run's state to resume; `stream: true` asks for a streamed run.
 */
export interface PeerRunFunction {
  /** A streamed run (`StreamedRunResult`: `toTextStream`, `completed`). */
  (
    agent: AnyAgent,
    // oxlint-disable-next-line typescript/no-explicit-any -- a `RunState` of any context and agent
    input: AgentInputItem[] | RunState<any, any>,
    options: { signal?: AbortSignal; stream: true },
  ): Promise<PeerRunResult>;
  /** A whole run (`RunResult`). */
  (
    agent: AnyAgent,
    // oxlint-disable-next-line typescript/no-explicit-any -- a `RunState` of any context and agent
    input: AgentInputItem[] | RunState<any, any>,
    options: { signal?: AbortSignal; stream?: false },
  ): Promise<PeerRunResult>;
}

/** Who asks a person: a `RemoteAgent` (`requestApproval`) or an `ApprovalWaiter` (`request`). */
export type ApprovalAsker =
  | {
      requestApproval(
        input: ApprovalRequestInput,
        options?: ApprovalWaitOptions,
      ): Promise<ApprovalResult>;
    }
  | {
      request(input: ApprovalRequestInput, options?: ApprovalWaitOptions): Promise<ApprovalResult>;
    };

/** How tool calls declared with `needsApproval` are decided (see {@link PeerMessageHandlerOptions}). */
export interface ToolApprovalOptions extends Omit<ApprovalWaitOptions, "key" | "signal"> {
  /** Asks the person: the `RemoteAgent` this handler serves, or an `ApprovalWaiter`. */
  asker: ApprovalAsker;
  /** The reason shown to the person (default: "the agent wants to run a tool"). */
  reason?: string | undefined;
  /** Where a request that was not asked (too long) or that the platform refused is logged. */
  logger?: Logger | undefined;
}

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
  /**
   * Decides the tool calls the SDK interrupts for (`needsApproval`) with a person on the canvas
   * (core's approvals: the complete input shown, the decision bound to its SHA-256): an approved
   * call runs, a denied, expired or refused one is rejected with one line the model reads, and the
   * run resumes from its state. Without it, every such call is rejected (nobody can be asked).
   */
  approvals?: ToolApprovalOptions | undefined;
  /** Called when a direct child workspace asks a person for approval (see core's `RemoteAgent`). */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
}

const NO_APPROVER =
  "Error: no person can be asked to approve this call (pass `approvals` to createPeerMessageHandler); the call was not run";

/**
 * Turns an OpenAI Agents SDK `Agent` into a Molecule inbound-message handler (a `RemoteAgent`
 * `handler`, poll or push): each message is one `run(agent, history + message)`, the answer is the
 * run's final output, and the run's new items join the conversation's history (kept per A2A
 * `contextId` within the authenticated sender, else per peer: core's `defaultConversationKey`;
 * one turn at a time per conversation). `.stream()` (A2A
 * `message/stream`) runs with `stream: true` and sends the text as the model writes it. A tool
 * declared with `needsApproval` waits for a person on the canvas (`approvals`), then the run
 * resumes from its interruption. Inbound text is a `user` message, never instructions. An answer
 * no `callPeer` awaits (`msg.isReply`) runs no model.
 *
 * @example
 * new RemoteAgent({ client, handler: createPeerMessageHandler(agent, { approvals: { asker: remote } }) });
 */
export function createPeerMessageHandler(
  agent: AnyAgent,
  options: PeerMessageHandlerOptions = {},
): ConversationHandler {
  const runAgent: PeerRunFunction = options.run ?? run;
  const format = options.formatMessage ?? ((m: InboundMessage) => sanitizePeerText(m.text));
  const decide = toolDecider(options.approvals);

  /** One turn: runs, resumes after each round of decisions, yields the text when streaming. */
  async function* turn(
    messages: AgentInputItem[],
    signal: AbortSignal | undefined,
    stream: boolean,
  ): AsyncGenerator<string, PeerRunResult> {
    // oxlint-disable-next-line typescript/no-explicit-any -- the state `run` hands back
    let input: AgentInputItem[] | RunState<any, any> = messages;
    for (;;) {
      const result = stream
        ? await runAgent(agent, input, { ...(signal ? { signal } : {}), stream: true })
        : await runAgent(agent, input, signal ? { signal } : {});
      if (stream && result.toTextStream) {
        for await (const chunk of result.toTextStream()) yield chunk;
      }
      await result.completed;
      const pending = result.interruptions ?? [];
      if (pending.length === 0 || !result.state) return result;
      for (const item of pending) {
        const verdict = await decide(item, signal);
        if (verdict === undefined) result.state.approve(item);
        else result.state.reject(item, { message: verdict });
      }
      input = result.state as RunState<unknown, AnyAgent>;
    }
  }

  const handler = createConversationHandler<AgentInputItem>({
    ...options,
    caller: "createPeerMessageHandler",
    run: async ({ messages, signal, stream }) => {
      const steps = turn(messages, signal, stream);
      if (!stream) {
        let step = await steps.next();
        while (!step.done) step = await steps.next();
        return { text: answerText(step.value), responseMessages: step.value.output };
      }
      // Resolved once the text stream is consumed (core reads it only then; a failed stream
      // leaves it pending, unread).
      let done!: (items: AgentInputItem[]) => void;
      const added = new Promise<AgentInputItem[]>((resolve) => (done = resolve));
      const textStream = (async function* () {
        let step = await steps.next();
        for (; !step.done; step = await steps.next()) yield step.value;
        done(step.value.output);
      })();
      return { textStream, responseMessages: added };
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
  // With the SDK's own `run`, a model without a key fails the agent's start (see model-check.ts):
  // a `RemoteAgent` given this handler runs it, and so does the one the agent's peer tools were
  // built from, which is given a wrapper (`(msg, ctx) => handler(msg, ctx)`) when the tools came first.
  if (options.run === undefined) {
    const check = (): Promise<void> => checkModelKey(agent, "createPeerMessageHandler");
    handler.checkStart = check;
    for (const tool of agent.tools ?? []) {
      const source = peerToolSource(tool);
      if (source) addStartCheck(source, check);
    }
  }
  return handler;
}

/** The answer's text: the final output, a structured one as JSON. */
function answerText(result: PeerRunResult): string {
  const out = result.finalOutput;
  return typeof out === "string" ? out : out === undefined ? "" : JSON.stringify(out);
}

/**
 * The decision on one interrupted tool call: `undefined` to approve, else the line the model reads.
 * Core's `toolCallVerdict`: the complete input shown, a decision only on exactly this input (its
 * digest) approves; the request is keyed by the SDK's call id, so asking again waits on it.
 */
function toolDecider(
  approvals: ToolApprovalOptions | undefined,
): (item: RunToolApprovalItem, signal: AbortSignal | undefined) => Promise<string | undefined> {
  if (!approvals) return async () => NO_APPROVER;
  const { asker, reason, logger, ...wait } = approvals;
  return async (item, signal) => {
    const toolName = item.name ?? "tool";
    const raw = item.rawItem as { callId?: string; id?: string };
    const callId = raw.callId ?? raw.id ?? "";
    const ask = async (request: ApprovalRequestInput): Promise<ApprovalResult> => {
      const input = { ...request, context: { tool: toolName, toolCallId: callId } };
      const o = { ...wait, key: `openai-agents:${callId}`, ...(signal ? { signal } : {}) };
      const d =
        "requestApproval" in asker
          ? await asker.requestApproval(input, o)
          : await asker.request(input, o);
      const digest = (request as { digest?: string }).digest ?? "";
      return decisionOn({ approvalId: d.approvalId, digest }, d);
    };
    return toolCallVerdict(ask, toolName, toolInput(item.arguments), {
      reason: reason ?? "the agent wants to run a tool",
      ...(logger ? { logger } : {}),
      label: "createPeerMessageHandler",
    });
  };
}

/** A function call's arguments (a JSON string) as the value the person is shown. */
function toolInput(args: string | undefined): unknown {
  if (args === undefined) return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
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
