// What `molecule-agent connect` prints about its agent, from the agent's typed events: the
// connected line, one line per handled message (who sent it and how long it took, never its
// text; answers to its own calls only with --verbose; at most 20 a second, then a count) and the
// drain on stdout. Warnings and errors reach stderr through the agent's logger (also fed by the
// events).
import type { AgentEventMap, Logger, RemoteAgent } from "@molecule-ai/agent-core";
import { LINES_PER_SECOND, LineBudget } from "@molecule-ai/agent-core/adapters";
import { hidePathSecret } from "./secrets.js";

/** Where and how much `connect` prints. */
export interface ConnectOutput {
  prefix: string;
  verbose: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The logger of `connect`: warnings and errors on stderr, every level with `--verbose`. */
export function connectLogger(o: ConnectOutput): Logger {
  const at =
    (level: string) =>
    (msg: string, meta?: object): void =>
      o.err(`${o.prefix} ${level} ${msg}${meta ? ` ${JSON.stringify(meta)}` : ""}`);
  return o.verbose
    ? { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }
    : { warn: at("warn"), error: at("error") };
}

function connectedLine(
  o: ConnectOutput,
  platformUrl: string,
  e: AgentEventMap["connected"],
): string {
  const where =
    e.delivery === "push"
      ? `url=${hidePathSecret(e.pushUrl ?? "")}`
      : `interval=${(e.pollIntervalMs ?? 5_000) / 1000}s`;
  return `${o.prefix} connected as ${e.workspaceId} (platform=${platformUrl}, delivery=${e.delivery}, ${where})`;
}

/** Prints `agent`'s lifecycle and each handled message as it happens. */
export function printAgentEvents(agent: RemoteAgent, o: ConnectOutput, platformUrl: string): void {
  agent.on("connected", (e) => o.out(connectedLine(o, platformUrl, e)));
  // The logger prints these warnings; a listener tells the agent they are seen, so Node does not
  // print each a second time as a process warning.
  for (const type of ["deadLettered", "heartbeatLate", "inboundGap", "wakeupsUnavailable"] as const)
    agent.on(type, () => {});
  agent.on("stopping", (e) => {
    if (e.activeTasks + e.pendingReplies === 0) return;
    o.out(
      `${o.prefix} draining: ${e.activeTasks} handler(s) running, ${e.pendingReplies} answer(s) to send`,
    );
  });
  // At most LINES_PER_SECOND message lines a second: past that, one line a second counts the rest.
  const lines = new LineBudget(LINES_PER_SECOND, (n) =>
    o.out(
      `${o.prefix} ${n} more message(s) handled in the last second (at most ${LINES_PER_SECOND} lines a second)`,
    ),
  );
  agent.on("stopped", () => lines.close());
  agent.on("handled", (e) => {
    const m = e.message;
    if ((m.isReply && !o.verbose) || !lines.take()) return;
    const from = m.sourceId ?? m.claimedSourceId ?? m.source;
    const retries = e.attempts > 1 ? `, ${e.attempts} attempts` : "";
    o.out(
      `${o.prefix} handled ${m.messageId ?? m.activityId ?? "?"} from ${from} in ${Math.round(e.durationMs)} ms (${e.replied ? "answered" : "no answer"}${retries})`,
    );
  });
}
