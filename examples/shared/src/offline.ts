// The other workspaces of an offline run: a plain core peer the example's agent can ask, and a
// sender that writes to the agent through the platform and prints both sides of the exchange.
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import type { AgentCard, InboundHandler } from "@molecule-ai/agent-core";
import { sendTypedLines, withTimeout } from "./run.js";

/** A workspace's id and token, as the emulator's `admin.createWorkspace` returns them. */
export interface WorkspaceCredentials {
  id: string;
  token?: string | undefined;
}

/** A `PlatformClient` acting as the workspace `ws` of the platform at `platformUrl`. */
export function workspaceClient(platformUrl: string, ws: WorkspaceCredentials): PlatformClient {
  return new PlatformClient({ platformUrl, workspaceId: ws.id, token: ws.token });
}

/** Options of {@link startPeer}. */
export interface PeerOptions {
  /** Its answer to each message (the returned string is the reply). */
  handler: InboundHandler<PlatformClient>;
  /** The card it registers (default `{ name: <workspace id> }`). */
  agentCard?: AgentCard;
  /** How it receives messages (default `"push"`: callers get its answer in the call's result). */
  delivery?: "poll" | "push";
}

/** A running peer: a core `RemoteAgent` and its client. */
export interface StartedPeer {
  agent: RemoteAgent<PlatformClient>;
  client: PlatformClient;
  /** Stops the agent and closes its client. */
  stop(): Promise<void>;
}

/** Starts a plain core agent as workspace `ws`: a peer for the example's agent to talk to. */
export async function startPeer(
  platformUrl: string,
  ws: WorkspaceCredentials,
  options: PeerOptions,
): Promise<StartedPeer> {
  const client = workspaceClient(platformUrl, ws);
  const agent = new RemoteAgent({
    client,
    delivery: options.delivery ?? "push",
    handler: options.handler,
    ...(options.agentCard ? { agentCard: options.agentCard } : {}),
  });
  return { agent, client, stop: await start(agent, client) };
}

/** Starts `agent`; returns how to stop it and close `client` (closed at once if it fails to start). */
async function start(
  agent: RemoteAgent<PlatformClient>,
  client: PlatformClient,
): Promise<() => Promise<void>> {
  try {
    await agent.start();
  } catch (err) {
    await client.close();
    throw err;
  }
  return async (): Promise<void> => {
    await agent.stop();
    await client.close();
  };
}

/** Options of {@link startConversation}. */
export interface ConversationOptions {
  /** The sender's name, printed and registered as its card name (e.g. `"Alice"`). */
  name: string;
  /** The workspace it writes to. */
  peerId: string;
  /** The receiver's name, as printed (e.g. `"Echo"`). */
  peerName: string;
}

/** How long {@link Conversation} waits for answers. */
const ANSWER_TIMEOUT_MS = 15_000;

/** A workspace writing to another through the platform; see {@link startConversation}. */
export interface Conversation {
  /**
   * Prints `<name> -> <peer>: <text>`, sends `text`, and waits (at most 15 s) until every message
   * sent so far is answered. An answer in the call's result (the peer receives by push) is printed
   * at once; the reply to a queued message (the peer polls) when it reaches the sender's inbox.
   */
  ask(text: string): Promise<void>;
  /**
   * The `--keep` mode: prints `prompt` and sends each line typed on stdin until Ctrl+C, SIGTERM
   * or the end of input, then waits (at most 15 s) for the last answers.
   */
  relayStdin(prompt: string): Promise<void>;
  /** Stops the sender's agent and closes its client. */
  stop(): Promise<void>;
}

/**
 * Starts workspace `ws` as a sender to `options.peerId`. Its messages reach the peer through the
 * platform; replies that are not in the call's result land in the sender's inbox, which its own
 * poll `RemoteAgent` reads. Every answer is printed as `<peer> -> <name>: <text>`, sanitised
 * (peer text is untrusted).
 */
export async function startConversation(
  platformUrl: string,
  ws: WorkspaceCredentials,
  options: ConversationOptions,
): Promise<Conversation> {
  const { name, peerId, peerName } = options;
  const client = workspaceClient(platformUrl, ws);
  const print = (text: string): void =>
    console.log(`${peerName} -> ${name}: ${sanitizePeerText(text)}`);
  let pending = 0; // messages sent that are not answered yet
  let answered: (() => void) | undefined;
  const settle = (): void => {
    if (--pending === 0) answered?.();
  };
  const agent = new RemoteAgent({
    client,
    agentCard: { name },
    delivery: "poll",
    handler: (msg) => {
      print(msg.text);
      settle();
    },
  });
  const stop = await start(agent, client);
  const send = async (text: string): Promise<void> => {
    console.log(`${name} -> ${peerName}: ${text}`);
    pending++;
    try {
      const result = await client.callPeer(peerId, text);
      if (result.status === "queued") return; // the peer picks it up on its next poll
      print(result.text);
      settle();
    } catch (err) {
      settle();
      throw err;
    }
  };
  const allAnswered = (message: string): Promise<void> => {
    const all =
      pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => (answered = resolve));
    return withTimeout(all, ANSWER_TIMEOUT_MS, message);
  };
  return {
    async ask(text) {
      await send(text);
      await allAnswered(`no answer from ${peerName} within 15 s`);
    },
    async relayStdin(prompt) {
      await sendTypedLines(prompt, send);
      await allAnswered(`${peerName} did not answer every message within 15 s`);
    },
    stop,
  };
}
