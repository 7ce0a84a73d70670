// A Google ADK (TypeScript) `LlmAgent` as a Molecule workspace: its tools are its peers (core's
// framework-neutral peer-tool specs as ADK `FunctionTool`s), and an ADK `Runner` answers each
// inbound message in an ADK session per conversation.
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage, Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { defaultConversationKey } from "@molecule-ai/agent-core/adapters";
import { loadPeerToolSpecs, toolClientOf } from "@molecule-ai/agent-core/peer-tools";
import type { PeerToolkitClient } from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import { FunctionTool, InMemoryRunner, isFinalResponse, LlmAgent } from "@google/adk";
import type { BaseLlm } from "@google/adk";
import { DemoLlm } from "./model.js";

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
}

/** A running workspace. */
export interface StartedAdkAgent {
  remote: RemoteAgent<PlatformClient>;
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
    handler: (msg, ctx) => answer(msg, ctx.signal),
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
  const agent = new LlmAgent({
    name: "writer",
    instruction: "You write. Ask your peers when a question is theirs.",
    model: options.model ?? new DemoLlm(),
    tools,
  });
  const runner = new InMemoryRunner({ agent, appName: APP });

  /** One run of the agent in the conversation's ADK session; the final response's text. */
  async function answer(msg: InboundMessage, signal: AbortSignal | undefined): Promise<string> {
    if (msg.isReply === true) return ""; // an answer no callPeer awaits: nothing to do
    const sessionId = defaultConversationKey(msg) ?? `message:${msg.messageId}`;
    const userId = "molecule";
    const session = { appName: APP, userId, sessionId };
    if (!(await runner.sessionService.getSession(session))) {
      await runner.sessionService.createSession(session);
    }
    let text = "";
    for await (const event of runner.runAsync({
      userId,
      sessionId,
      newMessage: { role: "user", parts: [{ text: sanitizePeerText(msg.text) }] },
      ...(signal ? { abortSignal: signal } : {}),
    })) {
      if (isFinalResponse(event)) {
        text += (event.content?.parts ?? []).map((p) => p.text ?? "").join("");
      }
    }
    return text;
  }

  await remote.start();
  return {
    remote,
    tools: specs.map((s) => s.name),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
