// Poll delivery start-up: the state store over the agent's store, the poll loop wired to the
// dispatcher and the conversation runtime (in this process, or shared by replicas when the store
// is shared), and event-stream wake-ups when the platform has them.
import { EventWakeups } from "../inbound/index.js";
import type { InboundGapWarning } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import { PollDelivery } from "../inbound/index.js";
import type { InboundMessage, PollDeliveryOptions } from "../inbound/index.js";
import { detached } from "../observability/index.js";
import type { ConversationRuntime } from "./conversation-runtime.js";
import type { Dispatcher } from "./dispatcher.js";
import { eventStreamOpener, pollFetcher } from "./poll-source.js";
import type { AgentStateStore } from "./state-store.js";
import type { AgentStore, SharedPoll } from "./store.js";
import { MoleculeDeliveryLimitError } from "./store-errors.js";
import { maxDeliveriesOf } from "./store-option.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "./types.js";

/**
 * While the event stream is connected, the safety poll and the state check run this many times
 * less often: the stream wakes the poll when a message lands and says when the workspace is paused
 * or removed, so a fleet makes a third of the requests (bench/ fleet).
 */
export const CONNECTED_SLOWDOWN = 6;

/** What the agent reads and stops, whichever poll delivery runs. */
export type PollRunner = Pick<SharedPoll, "cursor" | "wake" | "stop" | "flush">;

/** What {@link startPoll} needs from the agent. */
export interface StartPollInput {
  client: AgentPlatformClient;
  options: Pick<
    RemoteAgentOptions,
    "pollLimit" | "pollIntervalMs" | "dedupWindow" | "backfill" | "concurrency" | "eventWakeups"
  >;
  /** The agent's store: a shared one runs the replicas' poll delivery instead of this process's. */
  store: AgentStore;
  /** The agent's saved state (over `store.state`), shared with the outbox and push counts. */
  state: AgentStateStore;
  logger: Logger;
  dispatcher: Dispatcher;
  talk: ConversationRuntime;
  /** Whether the platform serves the event stream. */
  eventStream: boolean;
  /** Receives the poll loop before it starts (a shared one once started), so a failed start still stops it. */
  onPoll(poll: PollRunner): void;
  /** Receives the event wake-ups once they run. */
  onEvents(events: EventWakeups): void;
  /** The platform paused or removed the workspace, or the event stream dropped: check the state now. */
  onStateEvent(): void;
  /** Reports a gap in poll delivery (default: the logger and a process warning). */
  onGap?: ((warning: InboundGapWarning) => void) | undefined;
}

/** Starts poll delivery (and wake-ups); answers a previous run left are queued before any redelivery. */
export async function startPoll(input: StartPollInput): Promise<void> {
  // Only what the loop's callbacks need is captured (not `input`: an idle agent keeps its
  // callbacks, and with them whatever they close over, for as long as it runs).
  const { client, options: o, logger, dispatcher, talk, onStateEvent } = input;
  const store = input.state;
  const maxDeliveries = maxDeliveriesOf(input.store);
  const fetchPage = pollFetcher(client, o.pollLimit);
  const fetch: PollDeliveryOptions["fetch"] = async (opts) => {
    const page = await fetchPage(opts);
    return { ...page, messages: talk.takeAnswers(page.messages) }; // no slot needed
  };
  const handle = async (
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries?: number },
  ): Promise<"settled" | "abandoned"> => {
    if (info.deliveries !== undefined && info.deliveries > maxDeliveries) {
      const { activityId, messageId } = msg;
      const deliveries = info.deliveries - 1; // the hand-overs that never settled
      const error = new MoleculeDeliveryLimitError({
        delivery: "poll",
        activityId,
        messageId,
        deliveries,
        kept: "it is listed by the store's deadLetters()",
      });
      const deadAt = new Date().toISOString();
      await store.addDeadLetter({ delivery: "poll", activityId, messageId, deliveries, deadAt });
      await talk.deadLetter(msg, error);
      return "settled";
    }
    if (talk.takeAnswers([msg]).length === 0) return "settled"; // a shared store's claim
    if (talk.overLimit(msg)) return "settled";
    if (info.redelivered && talk.answered(msg)) return "settled"; // its answer is queued
    const outcome = await dispatcher.submit(msg, {
      redelivered: info.redelivered,
      reply: !msg.isReply, // never answer an answer
    });
    return outcome.status === "aborted" ? "abandoned" : "settled";
  };
  const intervalMs = o.pollIntervalMs ?? 5_000;
  let events: EventWakeups | undefined;
  const concurrency = o.concurrency ?? 4;
  let poll: PollRunner;
  const shared = input.store.shared;
  if (shared) {
    await talk.attach(store); // answers a previous run left, before any redelivery
    // The poll loop's requests are not part of start()'s trace.
    poll = await detached(() =>
      shared.startPoll({
        workspaceId: client.workspaceId,
        fetch,
        handle,
        deadLetter: async (msg, error) => await talk.deadLetter(msg, error),
        concurrency,
        pollIntervalMs: intervalMs,
        backfill: o.backfill ?? "all",
        logger,
      }),
    );
    input.onPoll(poll);
  } else {
    const local = new PollDelivery({
      store,
      intervalMs,
      connectedIntervalMs: intervalMs * CONNECTED_SLOWDOWN,
      connected: () => events?.connected === true,
      logger,
      ...(o.dedupWindow !== undefined ? { dedupWindow: o.dedupWindow } : {}),
      ...(o.backfill !== undefined ? { backfill: o.backfill } : {}),
      maxInFlight: concurrency,
      hasCapacity: () => dispatcher.hasCapacity(),
      awaiting: () => talk.waiting > 0, // answers must still arrive with every slot busy
      ...(input.onGap ? { onGap: input.onGap } : {}),
      fetch,
      handle,
    });
    input.onPoll(local);
    await talk.attach(store);
    await detached(() => local.start());
    poll = local;
  }
  const open = eventStreamOpener(client);
  if (o.eventWakeups !== false && input.eventStream && open) {
    const wakeups = new EventWakeups({
      logger,
      open,
      onWake: () => poll.wake(),
      onStatus: (connected) => {
        logger.debug?.("event stream", { connected });
        if (connected) return;
        // Events may have been missed while it was down: catch up now, then poll at the full rate.
        poll.wake();
        onStateEvent();
      },
      onStateEvent,
    });
    events = wakeups;
    input.onEvents(wakeups);
    detached(() => wakeups.start());
  }
}
