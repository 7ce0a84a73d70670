import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  FileCursorStore,
  pickDelivery,
  RemoteAgent,
  type AgentDoneResult,
  type InboundHandler,
  type PlatformClient,
  type PushDeliveryOptions,
  type RemoteAgentOptions,
} from "@molecule-ai/agent-core";
import { describeStartError, SIGNAL_STOP_MS } from "@molecule-ai/agent-core/adapters";
import { Option, type Command } from "commander";
import { CliError } from "../errors.js";
import {
  addPlatformOptions,
  clientFromFlags,
  requirePlatformFlags,
  type PlatformFlags,
} from "../platform-flags.js";
import { connectLogger, printAgentEvents } from "./connect-events.js";
import { warnIfTokenOnArgv } from "./secrets.js";

/** Options of `molecule-agent connect` after parsing (env already applied). */
export interface ConnectOptions extends PlatformFlags {
  handler?: string;
  pollInterval?: string;
  heartbeatInterval?: string;
  cursorFile?: string;
  delivery?: string;
  port?: string;
  host?: string;
  publicUrl?: string;
  agentName?: string;
  concurrency?: string;
  whenPaused?: string;
  resume?: boolean;
  verbose?: boolean;
}

const PREFIX = "[molecule]";

/** Adds `molecule-agent connect`: run a handler module as a remote agent until stopped. */
export function registerConnectCommand(program: Command): void {
  const command = program
    .command("connect")
    .description("Connect a message handler to a Molecule AI platform and run it until stopped.")
    .addOption(
      new Option(
        "--handler <module>",
        "handler module, `path/to/module.js[#export]` (default export `default`)",
      ).env("MOLECULE_HANDLER"),
    );
  addPlatformOptions(command)
    .addOption(
      new Option("--poll-interval <seconds>", "poll interval in seconds (default 5)").env(
        "MOLECULE_POLL_INTERVAL",
      ),
    )
    .addOption(
      new Option(
        "--heartbeat-interval <seconds>",
        "heartbeat and pause/removal check interval in seconds (default 30)",
      ).env("MOLECULE_HEARTBEAT_INTERVAL"),
    )
    .addOption(
      new Option(
        "--cursor-file <path>",
        "persist the poll cursor here (default: the agent's state folder, ~/.molecule/<id>/ or MOLECULE_STATE_DIR)",
      ).env("MOLECULE_CURSOR_FILE"),
    )
    .addOption(
      new Option(
        "--delivery <mode>",
        "inbound delivery (default: push with --public-url or on a platform without poll delivery, else poll)",
      )
        .choices(["poll", "push"])
        .env("MOLECULE_DELIVERY"),
    )
    .addOption(
      new Option("--port <port>", "push server port (default: a free port)").env("MOLECULE_PORT"),
    )
    .addOption(new Option("--host <host>", "push server bind address (default 127.0.0.1)"))
    .addOption(
      new Option(
        "--public-url <url>",
        "URL the platform calls for push delivery (selects push; the secret path is appended)",
      ).env("MOLECULE_PUBLIC_URL"),
    )
    .addOption(new Option("--agent-name <name>", "agent card name").env("MOLECULE_AGENT_NAME"))
    .addOption(new Option("--concurrency <n>", "handlers running at once (default 4)"))
    .addOption(
      new Option(
        "--when-paused <what>",
        "when the workspace is paused: refuse to start (default), wait until it is resumed, or resume it",
      )
        .choices(["refuse", "wait", "resume"])
        .env("MOLECULE_WHEN_PAUSED"),
    )
    .addOption(
      new Option("--resume", "resume a paused workspace (same as --when-paused resume)").env(
        "MOLECULE_RESUME",
      ),
    )
    .option("--verbose", "log what the agent does to stderr")
    .action(async (opts: ConnectOptions, command: Command) => {
      warnIfTokenOnArgv(command, (t) => process.stderr.write(t), PREFIX);
      try {
        process.exitCode = await runConnect(opts);
      } catch (err) {
        if (err instanceof CliError) {
          process.stderr.write(`${PREFIX} ${err.message}\n`);
          process.exitCode = err.exitCode;
          return;
        }
        throw err;
      }
    });
}

function positive(value: string | undefined, flag: string, unit: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new CliError(
      `${flag} must be a positive number of ${unit} (got ${JSON.stringify(value)})`,
      { exitCode: 1 },
    );
  }
  return n;
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}

/** Loads `module[#export]` relative to the working directory and returns the handler function. */
async function resolveHandler(
  spec: string,
  cwd = process.cwd(),
): Promise<InboundHandler<PlatformClient>> {
  const hash = spec.lastIndexOf("#");
  const modulePart = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 ? "default" : spec.slice(hash + 1);
  if (!modulePart || !exportName) {
    throw new CliError(
      `--handler ${JSON.stringify(spec)} is malformed: it must be of the form path/to/module.js[#export]`,
      { exitCode: 1 },
    );
  }
  const path = resolve(cwd, expandHome(modulePart));
  const specifier =
    existsSync(path) || isAbsolute(modulePart) || modulePart.startsWith(".")
      ? pathToFileURL(path).href
      : modulePart;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(
      `could not import handler module ${JSON.stringify(modulePart)}: ${(err as Error).message}`,
      { exitCode: 1 },
    );
  }
  if (!(exportName in mod)) {
    throw new CliError(
      `handler module ${JSON.stringify(modulePart)} has no export named ${JSON.stringify(exportName)}`,
      { exitCode: 1 },
    );
  }
  const fn = mod[exportName];
  if (typeof fn !== "function") {
    throw new CliError(
      `export ${JSON.stringify(exportName)} of ${JSON.stringify(modulePart)} is not callable (it is ${typeof fn})`,
      { exitCode: 1 },
    );
  }
  return fn as InboundHandler<PlatformClient>;
}

/** Runs the agent until it ends or a signal arrives; resolves with the process exit code. */
async function runConnect(opts: ConnectOptions): Promise<number> {
  if (!opts.handler?.trim())
    throw new CliError("missing --handler (or MOLECULE_HANDLER)", { exitCode: 1 });
  requirePlatformFlags(opts, 1);
  const pollSeconds = positive(opts.pollInterval, "--poll-interval", "seconds");
  const heartbeatSeconds = positive(opts.heartbeatInterval, "--heartbeat-interval", "seconds");
  const port = positive(opts.port, "--port", "port") ?? 0;
  const concurrency = positive(opts.concurrency, "--concurrency", "handlers");
  const handler = await resolveHandler(opts.handler.trim());
  const output = {
    prefix: PREFIX,
    verbose: opts.verbose === true,
    out: (line: string) => void process.stdout.write(`${line}\n`),
    err: (line: string) => void process.stderr.write(`${line}\n`),
  };
  const logger = connectLogger(output);
  const client: PlatformClient = clientFromFlags(opts, 1, logger);
  const push: PushDeliveryOptions = {
    mode: "push",
    port,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
  };
  let delivery: "poll" | PushDeliveryOptions;
  try {
    // Default: poll where the platform has it (unless a public URL is given), else push.
    delivery =
      opts.delivery === "poll"
        ? "poll"
        : opts.delivery === "push"
          ? push
          : await pickDelivery(client, push);
  } catch (err) {
    await client.close();
    throw startFailed(err, opts);
  }
  const agent = new RemoteAgent({
    client,
    handler,
    agentCard: { name: opts.agentName || `remote-${opts.workspaceId.slice(0, 8)}` },
    delivery,
    whenPaused: opts.resume ? "resume" : (opts.whenPaused as RemoteAgentOptions["whenPaused"]),
    ...(pollSeconds !== undefined ? { pollIntervalMs: pollSeconds * 1000 } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatIntervalMs: heartbeatSeconds * 1000 } : {}),
    ...(concurrency !== undefined ? { concurrency: Math.floor(concurrency) } : {}),
    ...(opts.cursorFile ? { cursorStore: new FileCursorStore(expandHome(opts.cursorFile)) } : {}),
    logger,
  });
  printAgentEvents(agent, output, client.platformUrl);

  let signalled: string | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`${PREFIX} second ${sig} — exiting now\n`);
      process.exit(130);
    }
    signalled = sig;
    process.stdout.write(`${PREFIX} received ${sig} — shutting down cleanly\n`);
    // Running handlers get the stop's whole time (inside a container's grace period).
    void agent.stop({ timeoutMs: SIGNAL_STOP_MS });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    try {
      await agent.start();
    } catch (err) {
      throw startFailed(err, opts);
    }
    const done: AgentDoneResult = await agent.done;
    return exitCodeFor(done);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await agent.stop();
    await client.close?.();
  }
}

/**
 * The error of a start that failed: one line naming the flags and variables to fix (the words
 * the examples print too), or the client's message for other failures.
 */
function startFailed(err: unknown, opts: ConnectOptions): CliError {
  const line = describeStartError(err, {
    flags: true,
    platformUrl: opts.platformUrl,
    workspaceId: opts.workspaceId,
    tokenFile: opts.token?.trim() ? undefined : opts.tokenFile?.trim() || undefined,
  });
  return new CliError(line ?? `could not start: ${(err as Error).message}`, {
    exitCode: 2,
    code: "register_failed",
    cause: err,
  });
}

function exitCodeFor(done: AgentDoneResult): number {
  switch (done.reason) {
    case "stopped":
      return 0;
    case "paused":
    case "removed":
      process.stdout.write(`${PREFIX} platform reports workspace ${done.reason} — exiting\n`);
      return 0;
    case "unauthorized":
      process.stderr.write(
        `${PREFIX} ${(done.error as Error | undefined)?.message ?? "unauthorized"}\n`,
      );
      return 3;
    default:
      process.stderr.write(
        `${PREFIX} agent failed: ${(done.error as Error | undefined)?.message ?? "error"}\n`,
      );
      return 1;
  }
}
