// `molecule-agent send <workspace> <text>`: a message to an agent from the shell, as the workspace
// of the platform flags, and its answer on stdout. A push peer answers in the call; a poll peer's
// answer lands in this workspace's inbox, which the command reads (an agent that does not
// register) until it comes or `--timeout` passes.
import {
  isMoleculeError,
  RemoteAgent,
  sanitizePeerText,
  type Logger,
  type PeerCallResult,
  type PlatformClient,
} from "@molecule-ai/agent-core";
import { describeStartError } from "@molecule-ai/agent-core/adapters";
import { findPeer, type FoundPeer } from "@molecule-ai/agent-core/peer-tools";
import { Option, type Command } from "commander";
import { CliError } from "../errors.js";
import { addPlatformOptions, clientFromFlags, type PlatformFlags } from "../platform-flags.js";
import { warnIfTokenOnArgv } from "./secrets.js";

/** Options of `molecule-agent send` after parsing (env already applied). */
export interface SendOptions extends PlatformFlags {
  timeout?: string;
  wait?: boolean;
}

const PREFIX = "[molecule]";

/** Adds `molecule-agent send`. */
export function registerSendCommand(program: Command): void {
  const command = program
    .command("send")
    .description(
      "Send a message to a workspace (its id, or a peer's name) and print its answer, as the workspace of --workspace-id.",
    )
    .argument("<workspace>", "the workspace to send to: its id, or the name of one of your peers")
    .argument("<text...>", "the message")
    .addOption(
      new Option("--timeout <seconds>", "how long to wait for the answer (default 60)").env(
        "MOLECULE_SEND_TIMEOUT",
      ),
    )
    .option(
      "--no-wait",
      "print the platform's receipt instead of waiting for a poll peer's answer",
    );
  addPlatformOptions(command).action(
    async (workspace: string, text: string[], opts: SendOptions, cmd: Command) => {
      warnIfTokenOnArgv(cmd, (t) => process.stderr.write(t), PREFIX);
      try {
        process.exitCode = await runSend(workspace, text.join(" "), opts);
      } catch (err) {
        // One line: ours, or what a first contact's failure means (token, platform, workspace).
        const { platformUrl, workspaceId } = opts;
        const tokenFile = opts.token?.trim() ? undefined : opts.tokenFile?.trim() || undefined;
        const line =
          err instanceof CliError
            ? err.message
            : (describeStartError(err, { flags: true, platformUrl, workspaceId, tokenFile }) ??
              (err as Error).message);
        process.stderr.write(`${PREFIX} ${line}\n`);
        process.exitCode = err instanceof CliError ? err.exitCode : 1;
      }
    },
  );
}

/** Warnings and errors on stderr: the command's output is the answer. */
const quietLogger: Logger = {
  warn: (msg) => void process.stderr.write(`${PREFIX} warn ${msg}\n`),
  error: (msg) => void process.stderr.write(`${PREFIX} error ${msg}\n`),
};

/**
 * The peer `target` names: a workspace id, or the one peer of that name (any case): core's
 * `findPeer`, the rule the MCP `call_peer` tool follows too. A name no peer has, or several do, is
 * a usage error naming the choices.
 */
async function resolveTarget(client: PlatformClient, target: string): Promise<FoundPeer> {
  try {
    return await findPeer(client, target);
  } catch (err) {
    if (isMoleculeError(err, "peer_not_found") || isMoleculeError(err, "peer_ambiguous"))
      throw new CliError(err.message, { exitCode: 2 });
    throw err;
  }
}

/** How the lines name a peer: `name (id)` when it was given by name, else its id. */
function peerLabel(peer: FoundPeer): string {
  return peer.name ? `${sanitizePeerText(peer.name).slice(0, 60)} (${peer.id})` : peer.id;
}

/** What the command prints for a result; resolves with the exit code. */
function report(result: PeerCallResult, peer: string): number {
  if (result.status === "queued") {
    const queue = result.queueId ? `, queue ${result.queueId}` : "";
    process.stdout.write(
      `${PREFIX} queued: message ${result.messageId} for ${peer} (${result.deliveryMode} delivery${queue}); its answer will reach this workspace's inbox\n`,
    );
    return 0;
  }
  const text = sanitizePeerText(result.text);
  if (result.status === "failed") {
    process.stderr.write(`${PREFIX} the peer ${peer} failed: ${text}\n`);
    return 1;
  }
  process.stdout.write(`${text}\n`);
  if (result.status === "input-required") {
    process.stderr.write(`${PREFIX} the peer asks for more input (task ${result.taskId ?? "?"})\n`);
  }
  return 0;
}

/** Sends `text` to `workspace` and prints the outcome; resolves with the process exit code. */
async function runSend(workspace: string, text: string, opts: SendOptions): Promise<number> {
  if (text.trim() === "") throw new CliError("the message is empty", { exitCode: 2 });
  let timeoutMs = 60_000;
  if (opts.timeout !== undefined) {
    const s = Number(opts.timeout);
    if (!Number.isFinite(s) || s <= 0) {
      throw new CliError(
        `--timeout must be a positive number of seconds, got ${JSON.stringify(opts.timeout)}`,
        { exitCode: 2 },
      );
    }
    timeoutMs = s * 1000;
  }
  const client = clientFromFlags(opts, 2, quietLogger);
  let agent: RemoteAgent | undefined;
  let label = workspace;
  try {
    const peer = await resolveTarget(client, workspace);
    label = peerLabel(peer);
    const caps = await client.capabilities();
    if (opts.wait === false || !caps.pollDelivery) {
      // No poll delivery (the April 2026 platform): every answer comes in the call itself.
      return report(await client.callPeer(peer.id, text, { timeoutMs }), label);
    }
    // A poll peer answers into this workspace's inbox: read it without registering (this
    // workspace's own agent, if it runs, keeps its registration).
    agent = new RemoteAgent({
      client,
      handler: () => undefined,
      delivery: "poll",
      register: false,
      backfill: "none",
      logger: quietLogger,
    });
    await agent.start();
    return report(await agent.callPeer(peer.id, text, { timeoutMs }), label);
  } catch (err) {
    if (isMoleculeError(err, "reply_timeout")) {
      throw new CliError(
        `no answer from ${label} within ${timeoutMs / 1000} s; the message was delivered and its answer, if it comes, reaches workspace ${client.workspaceId}'s inbox (raise --timeout to wait longer)`,
        { exitCode: 1, code: "reply_timeout" },
      );
    }
    throw err;
  } finally {
    await agent?.stop();
    await client.close();
  }
}
