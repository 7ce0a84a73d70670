// A Cloudflare Agents SDK agent as a Molecule workspace. The platform pushes each A2A message to
// `POST /a2a/<path secret>` (the URL registered in a deploy step); core's message endpoint
// (`createMessageEndpoint`) hands it to the `Writer` agent (a Durable Object, one per
// conversation, named by core's `conversationKey`: on push only a conversation the endpoint put
// the message in itself, never a contextId a caller sent; any other message goes to a fresh agent
// and is answered without history) over RPC: whole for `message/send`, as a stream of text for
// `message/stream`.
// The agent answers with the AI SDK (`streamText`) through the AI SDK adapter's message handler
// (core's conversation handler, its history in the agent's state); its tools are its Molecule
// peers (`peerTools`) and `refund`, which a person approves on the canvas first (`toolApproval` on
// each `streamText` run, decided through `canvasApprovals`, core's approvals). Only the platform's pushes run: each POST
// must carry its bearer (`platformSecret`), which the isolate learns from the platform with one
// heartbeat; the agent calls peers as this workspace, so a stranger who learns the URL gets 401.
import { PlatformClient } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import {
  conversationKey,
  createMessageEndpoint,
  platformSecretOf,
} from "@molecule-ai/agent-core/adapters";
import type { MessageEndpointHandler } from "@molecule-ai/agent-core/adapters";
import type { PlatformSecretSource } from "@molecule-ai/agent-core/a2a";
import { ApprovalWaiter } from "@molecule-ai/agent-core/org";
import { canvasApprovals, createPeerMessageHandler, peerTools } from "@molecule-ai/ai-sdk";
import type { PeerMessageHandler } from "@molecule-ai/ai-sdk";
import { Agent, getAgentByName } from "agents";
import { isStepCount, streamText, tool } from "ai";
import type { ModelMessage } from "ai";
import { z } from "zod";
import { demoModel } from "./model.js";

export interface Env {
  MOLECULE_PLATFORM_URL: string;
  MOLECULE_WORKSPACE_ID: string;
  /** A secret (`wrangler secret put MOLECULE_WORKSPACE_TOKEN`), never a `[vars]` entry. */
  MOLECULE_WORKSPACE_TOKEN: string;
  /** A hosted (SaaS tenant) platform's organisation id (a `[vars]` entry); unset elsewhere. */
  MOLECULE_ORG_ID?: string | undefined;
  /** The capability segment of the push URL; unset, the Worker answers every request 503. */
  MOLECULE_PATH_SECRET: string | undefined;
  /** How often a pending approval is re-read besides the event stream, in ms (default 5 000). */
  MOLECULE_APPROVAL_POLL_MS?: string | undefined;
  /** The `Writer` agents (wrangler.toml `[[durable_objects.bindings]]`). */
  WRITER: DurableObjectNamespace<Writer>;
}

interface WriterState {
  /** The conversation so far (the newest 40 messages, whole turns). */
  messages: ModelMessage[];
  /** Orders `refund` ran for (only after a person approved). */
  refunded: string[];
}

/**
 * The name of an agent that is no conversation's: a message with no conversation of its own (see
 * `agentOf`) is answered by a fresh one, without history, and nobody reaches it again.
 */
const ONE_OFF = "one-off:";

/**
 * The agent: one instance per conversation, its history in its (SQLite-backed) state; a one-off
 * agent (named `one-off:<random>`) keeps none.
 */
export class Writer extends Agent<Env, WriterState> {
  override initialState: WriterState = { messages: [], refunded: [] };
  #handler: PeerMessageHandler | undefined;

  /** Answers one inbound message whole (its text is untrusted: a `user` message, sanitised). */
  async answer(message: InboundMessage): Promise<string> {
    return this.#messages()(message);
  }

  /** Answers one inbound message as UTF-8 text sent as it is written (Workers RPC streams bytes). */
  stream(message: InboundMessage): ReadableStream<Uint8Array> {
    const chunks = this.#messages().stream(message)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return?.();
      },
    });
  }

  /** The AI SDK adapter's message handler, its one conversation kept in the agent's state. */
  #messages(): PeerMessageHandler {
    if (this.#handler) return this.#handler;
    // One client for the agent's life (a Durable Object is evicted when idle, not stopped).
    const client = new PlatformClient({
      platformUrl: this.env.MOLECULE_PLATFORM_URL,
      workspaceId: this.env.MOLECULE_WORKSPACE_ID,
      token: this.env.MOLECULE_WORKSPACE_TOKEN,
      orgId: this.env.MOLECULE_ORG_ID,
    });
    // A Worker has no file system: pending requests are kept in memory (an evicted agent that
    // replays a call opens a new request; see the README).
    const waiter = new ApprovalWaiter({ client, file: false });
    const pollMs = Number(this.env.MOLECULE_APPROVAL_POLL_MS) || undefined;
    const refund = tool({
      description: "Refund an order. A person approves each refund on the canvas first.",
      inputSchema: z.object({ order: z.string() }),
      execute: async ({ order }) => {
        this.setState({ ...this.state, refunded: [...this.state.refunded, order] });
        return `refunded ${order}`;
      },
    });
    this.#handler = createPeerMessageHandler(
      ({ messages, abortSignal }) => {
        const added: ModelMessage[] = [];
        const peers = peerTools(client, { delegate: false }); // the peers of now, once per turn
        let finished!: (messages: ModelMessage[]) => void;
        const responseMessages = new Promise<ModelMessage[]>((resolve) => (finished = resolve));
        // One answer across model runs: a run that stops on a call its `toolApproval` marks
        // "user-approval" waits for a person's decision on the canvas, then the next run goes on
        // with it (the same `toolApproval`: the approved call runs there). Peer calls are not
        // asked about; `...peerToolApproval(tools)` in `toolApproval` would have a person approve
        // each of them too.
        const textStream = async function* () {
          for (;;) {
            const result = streamText({
              model: demoModel(),
              instructions: "You write. Ask your peers when a question is theirs.",
              tools: { ...(await peers), refund },
              toolApproval: { refund: "user-approval" },
              messages: [...messages, ...added],
              stopWhen: isStepCount(4),
              ...(abortSignal ? { abortSignal } : {}),
            });
            for await (const chunk of result.textStream) yield chunk;
            added.push(...(await result.response).messages);
            const content = await result.content;
            if (!content.some((p) => p.type === "tool-approval-request")) break;
            added.push(
              await canvasApprovals(waiter, content, {
                reason: "the writer wants to refund an order",
                ...(pollMs ? { pollIntervalMs: pollMs } : {}),
                ...(abortSignal ? { signal: abortSignal } : {}),
              }),
            );
          }
          finished(added);
        };
        return { textStream: textStream(), responseMessages };
      },
      // This agent is one conversation (the Worker names it by its conversation key): one key; a
      // one-off agent answers without history (`undefined`: nothing read, nothing saved).
      {
        conversationKey: () => (this.name.startsWith(ONE_OFF) ? undefined : "conversation"),
        maxHistoryMessages: 40,
        store: this.#store(),
      },
    );
    return this.#handler;
  }

  /** The conversation store of the AI SDK adapter, over this agent's state. */
  #store() {
    return {
      get: () => this.state.messages,
      set: (_key: string, messages: ModelMessage[]) => this.setState({ ...this.state, messages }),
    };
  }
}

/** What crosses RPC: the message without its raw request (structured-cloned, not needed). */
function plain(message: InboundMessage): InboundMessage {
  return { ...message, raw: undefined };
}

/** The endpoint's handler: each message to the agent of its conversation, over RPC. */
function toAgents(env: Env): MessageEndpointHandler {
  // One agent per conversation, by core's rule (`conversationKey`, read here: what marks a
  // conversation as the endpoint's own does not cross RPC): on push only one the endpoint put the
  // message in itself (`push/context:<id>`: the contextId it issued for a message that sent none).
  // A contextId the caller sent is a name any peer that learned it can send (`ctx.callPeer` passes
  // it on), so it joins nothing: such a message, like any other without a conversation, goes to a
  // fresh agent and is answered without history.
  const agentOf = (message: InboundMessage) =>
    getAgentByName(env.WRITER, conversationKey(message) ?? `${ONE_OFF}${crypto.randomUUID()}`);
  const handler: MessageEndpointHandler = async (message) => {
    // An answer (role "agent"): a peer's late reply to a call that no longer waits for it. Not
    // answered and not a turn (core's conversation handler skips it too): no agent is woken.
    if (message.isReply) return;
    return (await agentOf(message)).answer(plain(message));
  };
  handler.stream = async function* (message) {
    if (message.isReply) return;
    const body = await (await agentOf(message)).stream(plain(message));
    const decoder = new TextDecoder();
    for await (const bytes of body) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) yield text;
    }
  };
  return handler;
}

/** The platform's push secret, as this isolate learned it (its client kept for later requests). */
let platformSecret: PlatformSecretSource | undefined;

function platformSecretFor(env: Env): PlatformSecretSource {
  return (platformSecret ??= platformSecretOf(
    new PlatformClient({
      platformUrl: env.MOLECULE_PLATFORM_URL,
      workspaceId: env.MOLECULE_WORKSPACE_ID,
      token: env.MOLECULE_WORKSPACE_TOKEN,
      orgId: env.MOLECULE_ORG_ID,
    }),
  ));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (!env.MOLECULE_PATH_SECRET) return new Response("not configured", { status: 503 });
    if (!new URL(request.url).pathname.startsWith("/a2a/")) {
      return new Response("not found", { status: 404 });
    }
    const endpoint = createMessageEndpoint({
      agentCard: { name: "cloudflare-agent", description: "A Cloudflare Agents SDK agent" },
      basePath: "/a2a",
      pathSecret: env.MOLECULE_PATH_SECRET,
      workspaceId: env.MOLECULE_WORKSPACE_ID,
      platformSecret: platformSecretFor(env),
      handler: toAgents(env),
    });
    return endpoint.handleFetch(request);
  },
};
