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
import { decisionOn, durableToolCallVerdict, toolCallVerdict } from "@molecule-ai/agent-core/org";
import type {
  ApprovalRequestInput,
  ApprovalResult,
  ApprovalWaitOptions,
  PendingToolCalls,
} from "@molecule-ai/agent-core/org";
import { run, RunState } from "@openai/agents";
import { checkModelKey } from "./model-check.js";
import { peerToolSource } from "./peer-tools.js";
import type { Agent, AgentInputItem, RunToolApprovalItem } from "@openai/agents";

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
  /**
   * Where the calls asked about are kept across restarts, with the run to resume: default the
   * asker's when it is a `RemoteAgent` (`agent.pendingToolCalls`, in the agent's store), so a
   * message redelivered after a restart resumes its run (the same request, no new one) and an
   * approved call runs once. `false`: kept in memory only (a restart runs the message again).
   */
  pendingToolCalls?: PendingToolCalls | false | undefined;
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
  const calls = durableCalls(options.approvals);

  /**
   * One turn: runs (or resumes the run a restart interrupted), resumes after each round of
   * decisions, yields the text when streaming. With durable calls, the run and the calls asked
   * about are saved before anyone is asked, and an approved call is marked done once it ran.
   */
  async function* turn(
    messages: AgentInputItem[],
    message: InboundMessage,
    signal: AbortSignal | undefined,
    stream: boolean,
  ): AsyncGenerator<string, PeerRunResult> {
    const messageKey = calls ? messageKeyOf(message) : undefined;
    // oxlint-disable-next-line typescript/no-explicit-any -- the state `run` hands back
    let input: AgentInputItem[] | RunState<any, any> =
      (calls && messageKey && (await savedRun(calls, agent, messageKey))) || messages;
    let ran: string[] = [];
    for (;;) {
      const result = stream
        ? await runAgent(agent, input, { ...(signal ? { signal } : {}), stream: true })
        : await runAgent(agent, input, signal ? { signal } : {});
      if (stream && result.toTextStream) {
        for await (const chunk of result.toTextStream()) yield chunk;
      }
      await result.completed;
      if (calls && ran.length > 0) await calls.finish(ran);
      ran = [];
      const pending = result.interruptions ?? [];
      if (pending.length === 0 || !result.state) return result;
      const saved = calls && result.state instanceof RunState ? result.state.toString() : undefined;
      for (const item of pending) {
        const call = calls && { calls, messageKey, run: saved };
        const verdict = await decide(item, signal, call || undefined);
        if (verdict === undefined) {
          result.state.approve(item);
          if (call) ran.push(callKey(item));
        } else result.state.reject(item, { message: verdict });
      }
      input = result.state as RunState<unknown, AnyAgent>;
    }
  }

  const handler = createConversationHandler<AgentInputItem>({
    ...options,
    caller: "createPeerMessageHandler",
    run: async ({ messages, message, signal, stream }) => {
      const steps = turn(messages, message, signal, stream);
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

/** Where the calls asked about are kept (see {@link ToolApprovalOptions.pendingToolCalls}). */
function durableCalls(approvals: ToolApprovalOptions | undefined): PendingToolCalls | undefined {
  if (!approvals || approvals.pendingToolCalls === false) return undefined;
  if (approvals.pendingToolCalls) return approvals.pendingToolCalls;
  const own = (approvals.asker as { pendingToolCalls?: PendingToolCalls }).pendingToolCalls;
  return typeof own?.claim === "function" ? own : undefined;
}

/** The inbound message a turn answers, as its calls are kept: `<sender>\n<messageId>`. */
function messageKeyOf(message: InboundMessage): string | undefined {
  return message.messageId ? `${message.sourceId ?? ""}\n${message.messageId}` : undefined;
}

/** The run a restart interrupted while this message's calls were asked about, resumed. */
async function savedRun(
  calls: PendingToolCalls,
  agent: AnyAgent,
  messageKey: string,
): Promise<RunState<unknown, AnyAgent> | undefined> {
  const kept = (await calls.forMessage(messageKey)).findLast((r) => r.run !== undefined);
  return kept?.run === undefined ? undefined : await RunState.fromString(agent, kept.run);
}

/** The key a call is asked about and kept under: the SDK's call id. */
function callKey(item: RunToolApprovalItem): string {
  const raw = item.rawItem as { callId?: string; id?: string };
  return `openai-agents:${raw.callId ?? raw.id ?? ""}`;
}

/**
 * The decision on one interrupted tool call: `undefined` to approve, else the line the model reads.
 * Core's `toolCallVerdict`: the complete input shown, a decision only on exactly this input (its
 * digest) approves; the request is keyed by the SDK's call id, so asking again waits on it. With
 * `durable` (core's `durableToolCallVerdict`), the call is kept in the agent's store: after a
 * restart the same request is resumed, and a call handed to its tool once is never run again.
 */
function toolDecider(
  approvals: ToolApprovalOptions | undefined,
): (
  item: RunToolApprovalItem,
  signal: AbortSignal | undefined,
  durable?: { calls: PendingToolCalls; messageKey: string | undefined; run: string | undefined },
) => Promise<string | undefined> {
  if (!approvals) return async () => NO_APPROVER;
  const { asker, reason, logger, pendingToolCalls: _calls, ...wait } = approvals;
  return async (item, signal, durable) => {
    const toolName = item.name ?? "tool";
    const key = callKey(item);
    const callId = key.slice("openai-agents:".length);
    const ask = async (request: ApprovalRequestInput): Promise<ApprovalResult> => {
      const input = { ...request, context: { tool: toolName, toolCallId: callId } };
      const o = { ...wait, key, ...(signal ? { signal } : {}) };
      const d =
        "requestApproval" in asker
          ? await asker.requestApproval(input, o)
          : await asker.request(input, o);
      const digest = (request as { digest?: string }).digest ?? "";
      return decisionOn({ approvalId: d.approvalId, digest }, d);
    };
    const input = toolInput(item.arguments);
    const settings = {
      reason: reason ?? "the agent wants to run a tool",
      ...(logger ? { logger } : {}),
      label: "createPeerMessageHandler",
    };
    if (!durable) return toolCallVerdict(ask, toolName, input, settings);
    const { messageKey, run } = durable;
    const call = {
      key,
      tool: toolName,
      input,
      ...(messageKey === undefined ? {} : { messageKey }),
      ...(run === undefined ? {} : { run }),
    };
    return durableToolCallVerdict(durable.calls, call, ask, settings);
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
