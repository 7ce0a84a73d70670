// How each agent event reads in the agent's logger: one line, a level, token-free metadata.
import type { Logger } from "../transport/index.js";
import { describe, hideUrlSecret } from "../transport/index.js";
import type { InboundMessage } from "../inbound/index.js";
import type { AgentEvent } from "./events.js";

type Level = "debug" | "info" | "warn" | "error";

function ids(msg: InboundMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (msg.messageId !== undefined) out["messageId"] = msg.messageId;
  if (msg.activityId !== undefined) out["activityId"] = msg.activityId;
  const from = msg.sourceId ?? msg.claimedSourceId;
  if (from) out["from"] = from;
  return out;
}

function line(event: AgentEvent): [Level, string, Record<string, unknown>] {
  const ws = { workspaceId: event.workspaceId };
  switch (event.type) {
    case "deliveryChosen":
      return [
        "debug",
        "delivery chosen",
        { ...ws, delivery: event.delivery, source: event.source },
      ];
    case "connected": {
      const how =
        event.delivery === "push"
          ? `push at ${event.pushUrl ? hideUrlSecret(event.pushUrl, "***") : "(your route)"}`
          : event.delivery === "poll"
            ? `poll every ${event.pollIntervalMs} ms, event wake-ups ${event.eventWakeups ? "on" : "off"}`
            : "no delivery";
      return [
        "info",
        `connected as ${event.workspaceId} (${how}) in ${Math.round(event.startupMs)} ms`,
        { ...ws, delivery: event.delivery },
      ];
    }
    case "handled":
      return [
        "debug",
        "message handled",
        {
          ...ids(event.message),
          attempts: event.attempts,
          durationMs: Math.round(event.durationMs),
          replied: event.replied,
        },
      ];
    case "retried":
      // The first failure of a message is a warning; its further retries are detail.
      return [
        event.attempt === 1 ? "warn" : "debug",
        `inbound handler failed (attempt ${event.attempt}); retrying in ${event.retryInMs} ms: ${describe(event.error)}`,
        { ...ids(event.message), attempt: event.attempt },
      ];
    case "deadLettered":
      return [
        "error",
        `inbound message dead-lettered (${event.reason}): ${describe(event.error)}`,
        ids(event.message),
      ];
    case "replyFailed":
      return [
        event.attempt === 1 || !event.willRetry ? "warn" : "debug",
        `reply failed (attempt ${event.attempt}); ${event.willRetry ? `retrying in ${event.retryInMs} ms` : "giving up"}: ${describe(event.error)}`,
        ids(event.message),
      ];
    case "heartbeatLate":
      return [
        "warn",
        "heartbeat late",
        { ...ws, lateByMs: event.lateByMs, intervalMs: event.intervalMs },
      ];
    case "inboundGap":
      return [
        "warn",
        event.warning.message,
        { reason: event.reason, cursor: event.cursor, oldestReturned: event.oldestReturned },
      ];
    case "wakeupsUnavailable":
      return [
        "warn",
        event.warning.message,
        { ...ws, pollIntervalMs: event.pollIntervalMs, reason: event.reason },
      ];
    case "storeUnwritable":
      return [
        "error",
        `the store cannot save, taking no new messages until it can: ${describe(event.error)}`,
        ws,
      ];
    case "storeWritable":
      return [
        "warn",
        `the store saves again after ${Math.round(event.downMs)} ms; taking new messages`,
        ws,
      ];
    case "stopping": {
      const busy = event.activeTasks + event.pendingReplies > 0;
      return [
        busy ? "info" : "debug",
        busy
          ? `stopping (${event.reason}): draining ${event.activeTasks} running handler(s) and ${event.pendingReplies} queued answer(s)`
          : `stopping (${event.reason})`,
        { ...ws, reason: event.reason },
      ];
    }
    case "stopped":
      return [
        event.reason === "stopped" ? "info" : "warn",
        `stopped (${event.reason})${event.error === undefined ? "" : `: ${describe(event.error)}`}`,
        { ...ws, reason: event.reason, uptimeMs: Math.round(event.uptimeMs) },
      ];
  }
}

/** Writes `event` to `logger` at its level (see the README's events table). */
export function logEvent(logger: Logger, event: AgentEvent): void {
  const [level, msg, meta] = line(event);
  logger[level]?.(msg, meta);
}
