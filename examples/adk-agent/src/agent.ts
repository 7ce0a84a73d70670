// A Google ADK (TypeScript) `LlmAgent` as a Molecule workspace: its tools are its peers (core's
// framework-neutral peer-tool specs as ADK `FunctionTool`s), and an ADK `Runner` answers each
// inbound message in an ADK session per conversation, through core's conversation handler: whole,
// or (`.stream()`, a `message/stream` caller) run with ADK's `StreamingMode.SSE` and sent as the
// model writes it.
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import type {
  AgentStore,
  InboundMessage,
  Logger,
  RemoteAgentOptions,
} from "@molecule-ai/agent-core";
import {
  createConversationHandler,
  defaultConversationKey,
} from "@molecule-ai/agent-core/adapters";
import type { ConversationHandler } from "@molecule-ai/agent-core/adapters";
import { loadPeerToolSpecs, toolClientOf } from "@molecule-ai/agent-core/peer-tools";
import type { PeerToolkitClient } from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import { decisionOn, durableToolCallVerdict, toolCallDigest } from "@molecule-ai/agent-core/org";
import type { ApprovalRequestInput } from "@molecule-ai/agent-core/org";
import {
  FunctionTool,
  InMemoryRunner,
  isFinalResponse,
  LlmAgent,
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  StreamingMode,
} from "@google/adk";
import type { BaseLlm } from "@google/adk";
import { DemoLlm } from "./model.js";
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { a2aAgentTools } from "./a2a-agents.js";

export { DemoLlm } from "./model.js";

/** Where and how to connect, and which model to use. */
export interface StartAdkOptions {
  platformUrl: string;
  workspaceId: string;
  token: string;
  /**
   * `"poll"` (no public URL needed) or `"push"` (core serves the A2A endpoint on 127.0.0.1).
   * Default: poll where the platform has it, else push (as the root README says).
   */
  delivery?: RemoteAgentOptions["delivery"];
  /** A model name (`"gemini-2.5-flash"`, needs `GOOGLE_GENAI_API_KEY`) or a `BaseLlm`. Default: {@link DemoLlm}. */
  model?: string | BaseLlm;
  logger?: Logger;
  /** How often a pending decision is re-read besides the event stream (default 5 000 ms). */
  approvalPollMs?: number;
  /**
   * The agent's store (e.g. `fileStore(path)`): with poll delivery, a message that waited for a
   * person when the process died comes again after a restart, and its confirmation waits on the
   * same request; an approved call runs once. Default: the agent's default store.
   */
  store?: AgentStore;
  /** Any A2A agents by URL, each a tool beside the peers (connect them first). */
  a2aAgents?: readonly RemoteA2AAgent[];
}

/** A running workspace. */
export interface StartedAdkAgent {
  remote: RemoteAgent<PlatformClient>;
  /**
   * The message handler (the `RemoteAgent`'s): `.stream()` runs ADK with `StreamingMode.SSE` and
   * yields the text as the model writes it (core's `createMessageEndpoint` serves it to
   * `message/stream` callers).
   */
  handler: ConversationHandler;
  /** Orders `refund` ran for (only after a person confirmed). */
  refunded: string[];
  /** The tool names the agent was given. */
  tools: string[];
  stop(): Promise<void>;
}

const APP = "molecule-adk-example";

/** Starts an ADK agent as workspace `workspaceId`: answers messages, calls peers as tools. */
export async function startAdkAgent(options: StartAdkOptions): Promise<StartedAdkAgent> {
  const { platformUrl, workspaceId, token } = options;
  const client = new PlatformClient({ platformUrl, workspaceId, token });
  const remote = new RemoteAgent({
    client,
    // Unset: poll where the platform has it, else push (the April 2026 platform refuses poll).
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.store ? { store: options.store } : {}),
    handler: (msg, ctx) => handler(msg, ctx),
  });
  // One FunctionTool per peer: core's names, descriptions, input schema and the text the model
  // reads (the peer's answer neutralised and labelled, or a peer-side failure's note).
  // (Through the agent: a call to a peer that polls waits for its answer.)
  const peersClient = toolClientOf<Pick<PeerToolkitClient, "listPeers" | "callPeer">>(
    remote,
    ["listPeers", "callPeer"],
    "startAdkAgent",
  );
  const specs = await loadPeerToolSpecs(peersClient);
  const tools = specs.map(
    (spec) =>
      new FunctionTool({
        name: spec.name,
        description: spec.description,
        parameters: peerToolInputSchema,
        execute: async (input) => (await spec.call(input)).text,
      }),
  );
  tools.push(...a2aAgentTools(options.a2aAgents));
  // A tool a person confirms first: ADK pauses the run with an `adk_request_confirmation` call.
  const refunded: string[] = [];
  const refund = new FunctionTool({
    name: "refund",
    description: "Refund an order. A person confirms each refund on the canvas first.",
    // A Gemini `Schema` (type names as the API spells them); the input arrives unchecked.
    parameters: {
      type: "OBJECT",
      properties: { order: { type: "STRING" } },
      required: ["order"],
    } as NonNullable<ConstructorParameters<typeof FunctionTool>[0]["parameters"]>,
    requireConfirmation: true,
    execute: async (input) => {
      const order = String((input as { order?: unknown }).order);
      refunded.push(order);
      return { result: `refunded ${order}` };
    },
  });
  const agent = new LlmAgent({
    name: "writer",
    instruction: "You write. Ask your peers when a question is theirs.",
    model: options.model ?? new DemoLlm(),
    tools: [...tools, refund],
  });

  /**
   * A person's decision on an `adk_request_confirmation` call (core's approvals: the tool and its
   * complete input shown, the decision bound to its SHA-256). Kept in the agent's store
   * (`durableToolCallVerdict`) under the message and the exact input, not ADK's call id (its
   * session is in memory: after a restart the message runs again and the model's call gets a new
   * id), so the restarted agent waits on the same request, and an approval runs the call once.
   */
  async function confirmed(
    args: unknown,
    signal: AbortSignal | undefined,
    msg: InboundMessage,
  ): Promise<boolean> {
    const call = (args as { originalFunctionCall?: { id?: string; name?: string; args?: unknown } })
      .originalFunctionCall;
    const name = call?.name ?? "tool";
    const input = call?.args ?? {};
    const messageKey = `${msg.sourceId ?? ""}\n${msg.messageId ?? call?.id ?? ""}`;
    const key = `adk:${messageKey}:${toolCallDigest(name, input)}`;
    const ask = async (request: ApprovalRequestInput) => {
      const d = await remote.requestApproval(request, {
        key,
        ...(options.approvalPollMs ? { pollIntervalMs: options.approvalPollMs } : {}),
        ...(signal ? { signal } : {}),
      });
      return decisionOn(
        { approvalId: d.approvalId, digest: (request as { digest: string }).digest },
        d,
      );
    };
    const verdict = await durableToolCallVerdict(
      remote.pendingToolCalls,
      { key, tool: name, input, messageKey },
      ask,
      { reason: "the writer wants to refund an order", label: "startAdkAgent" },
    );
    return verdict === undefined;
  }
  const runner = new InMemoryRunner({ agent, appName: APP });

  /**
   * One turn in the conversation's ADK session: the final responses' text (with `stream`, run with
   * `StreamingMode.SSE` and each partial response's text as it comes).
   */
  async function* turn(
    msg: InboundMessage,
    signal: AbortSignal | undefined,
    stream: boolean,
  ): AsyncGenerator<string> {
    const sessionId = defaultConversationKey(msg) ?? `message:${msg.messageId}`;
    const userId = "molecule";
    const session = { appName: APP, userId, sessionId };
    if (!(await runner.sessionService.getSession(session))) {
      await runner.sessionService.createSession(session);
    }
    let newMessage: NonNullable<Parameters<typeof runner.runAsync>[0]["newMessage"]> = {
      role: "user",
      parts: [{ text: sanitizePeerText(msg.text) }],
    };
    for (;;) {
      const confirmations: { id: string; args: unknown }[] = [];
      // The text of the partial responses since the last whole one (which repeats it).
      let partial = "";
      for await (const event of runner.runAsync({
        userId,
        sessionId,
        newMessage,
        ...(stream ? { runConfig: { streamingMode: StreamingMode.SSE } } : {}),
        ...(signal ? { abortSignal: signal } : {}),
      })) {
        const text = (event.content?.parts ?? []).map((p) => p.text ?? "").join("");
        if (event.partial) {
          partial += text;
          if (text) yield text;
          continue;
        }
        for (const p of event.content?.parts ?? []) {
          const call = p.functionCall;
          if (call?.name === REQUEST_CONFIRMATION_FUNCTION_CALL_NAME && call.id)
            confirmations.push({ id: call.id, args: call.args });
        }
        if (isFinalResponse(event) && text && partial === "") yield text;
        partial = "";
      }
      if (confirmations.length === 0) return;
      // The run paused for confirmations: each is decided on the canvas, then the run resumes.
      const parts = [];
      for (const c of confirmations) {
        const response = { confirmed: await confirmed(c.args, signal, msg) };
        parts.push({
          functionResponse: { id: c.id, name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME, response },
        });
      }
      newMessage = { role: "user", parts };
    }
  }

  // Core's conversation handler: one turn at a time per conversation, answers (`msg.isReply`)
  // not answered, `.stream()` for streaming callers. The history is the ADK session's, so the
  // handler's own store keeps nothing.
  const handler = createConversationHandler<string>({
    caller: "startAdkAgent",
    store: { get: () => [], set: () => undefined },
    run: ({ message, signal, stream }) => ({ textStream: turn(message, signal, stream) }),
    toMessage: (message) => message.text,
    assistantMessage: (text) => text,
    startsTurn: () => true,
  });

  await remote.start();
  return {
    remote,
    handler,
    refunded,
    tools: tools.map((t) => t.name),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
