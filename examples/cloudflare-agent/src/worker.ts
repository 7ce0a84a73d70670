// A Cloudflare Agents SDK agent as a Molecule workspace. The platform pushes each A2A message to
// `POST /a2a/<path secret>` (the URL registered in a deploy step); core's edge A2A handler hands
// its text to the `Writer` agent (a Durable Object, one per conversation) over RPC; the agent
// answers with the AI SDK (`generateText`) whose tools are its Molecule peers
// (`@molecule-ai/ai-sdk`'s `peerTools`), and keeps the conversation in its state.
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { createA2AHandler, extractA2AText, isAgentRole } from "@molecule-ai/agent-core/a2a";
import { peerTools } from "@molecule-ai/ai-sdk";
import { Agent, getAgentByName } from "agents";
import { generateText, isStepCount } from "ai";
import type { ModelMessage } from "ai";
import { demoModel } from "./model.js";

export interface Env {
  MOLECULE_PLATFORM_URL: string;
  MOLECULE_WORKSPACE_ID: string;
  /** A secret (`wrangler secret put MOLECULE_WORKSPACE_TOKEN`), never a `[vars]` entry. */
  MOLECULE_WORKSPACE_TOKEN: string;
  /** The capability segment of the push URL; unset, the Worker answers every request 503. */
  MOLECULE_PATH_SECRET: string | undefined;
  /** The `Writer` agents (wrangler.toml `[[durable_objects.bindings]]`). */
  WRITER: DurableObjectNamespace<Writer>;
}

interface WriterState {
  /** The conversation so far (the newest 40 messages). */
  messages: ModelMessage[];
}

/** The agent: one instance per conversation, its history in its (SQLite-backed) state. */
export class Writer extends Agent<Env, WriterState> {
  override initialState: WriterState = { messages: [] };

  /** Answers one inbound text (untrusted: a `user` message, sanitised), calling peers as tools. */
  async answer(text: string): Promise<string> {
    const client = new PlatformClient({
      platformUrl: this.env.MOLECULE_PLATFORM_URL,
      workspaceId: this.env.MOLECULE_WORKSPACE_ID,
      token: this.env.MOLECULE_WORKSPACE_TOKEN,
    });
    try {
      const messages: ModelMessage[] = [
        ...this.state.messages,
        { role: "user", content: sanitizePeerText(text) },
      ];
      const result = await generateText({
        model: demoModel(),
        system: "You write. Ask your peers when a question is theirs.",
        tools: await peerTools(client, { delegate: false }),
        messages,
        stopWhen: isStepCount(4),
      });
      this.setState({ messages: [...messages, ...result.response.messages].slice(-40) });
      return result.text;
    } finally {
      await client.close();
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (!env.MOLECULE_PATH_SECRET) return new Response("not configured", { status: 503 });
    if (!new URL(request.url).pathname.startsWith("/a2a/")) {
      return new Response("not found", { status: 404 });
    }
    const a2a = createA2AHandler({
      agentCard: { name: "cloudflare-agent", description: "A Cloudflare Agents SDK agent" },
      basePath: "/a2a",
      pathSecret: env.MOLECULE_PATH_SECRET,
      workspaceId: env.MOLECULE_WORKSPACE_ID,
      onMessage: async (message) => {
        // An answer (role "agent"): a peer's late reply to a call that no longer waits for it (a
        // poll peer answers after the call gave up). Answers are not answered and not turns, as
        // in core's conversation handlers (`msg.isReply`): no model run, no history.
        if (isAgentRole(message.role)) return;
        // One agent per conversation (A2A contextId), else one per message.
        const name = message.contextId ?? message.messageId;
        const writer = await getAgentByName(env.WRITER, name);
        return writer.answer(extractA2AText(message));
      },
    });
    return a2a.handleFetch(request);
  },
};
