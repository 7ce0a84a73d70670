// Poll delivery start-up: the state store over the cursor store, the poll loop wired to the
// dispatcher and the conversation runtime, and event-stream wake-ups when the platform has them.
import { MemoryCursorStore } from "../inbound/cursor-store.js";
import { EventWakeups } from "../inbound/event-stream.js";
import type { Logger } from "../inbound/logger.js";
import { PollDelivery } from "../inbound/poll.js";
import type { ConversationRuntime } from "./conversation-runtime.js";
import type { Dispatcher } from "./dispatcher.js";
import { eventStreamOpener, pollFetcher } from "./poll-source.js";
import { AgentStateStore } from "./state-store.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "./types.js";

/** What {@link startPoll} needs from the agent. */
export interface StartPollInput {
  client: AgentPlatformClient;
  options: Pick<
    RemoteAgentOptions,
    | "cursorStore"
    | "pollLimit"
    | "pollIntervalMs"
    | "dedupWindow"
    | "backfill"
    | "concurrency"
    | "eventWakeups"
  >;
  logger: Logger;
  dispatcher: Dispatcher;
  talk: ConversationRuntime;
  /** Whether the platform serves the event stream. */
  eventStream: boolean;
  /** Receives the poll loop before it starts, so a failed start still stops it. */
  onPoll(poll: PollDelivery): void;
  /** Receives the event wake-ups once they run. */
  onEvents(events: EventWakeups): void;
}

/** Starts poll delivery (and wake-ups); answers a previous run left are queued before any redelivery. */
export async function startPoll(input: StartPollInput): Promise<void> {
  const { client, options: o, logger, dispatcher, talk } = input;
  const store = new AgentStateStore(o.cursorStore ?? new MemoryCursorStore());
  const fetchPage = pollFetcher(client, o.pollLimit);
  const poll = new PollDelivery({
    store,
    intervalMs: o.pollIntervalMs ?? 5_000,
    logger,
    ...(o.dedupWindow !== undefined ? { dedupWindow: o.dedupWindow } : {}),
    ...(o.backfill !== undefined ? { backfill: o.backfill } : {}),
    maxInFlight: o.concurrency ?? 4,
    hasCapacity: () => dispatcher.hasCapacity(),
    awaiting: () => talk.waiting > 0, // answers must still arrive with every slot busy
    fetch: async (opts) => {
      const page = await fetchPage(opts);
      return { ...page, messages: talk.takeAnswers(page.messages) }; // no slot needed
    },
    handle: async (msg, info) => {
      if (talk.overLimit(msg)) return "settled";
      if (info.redelivered && talk.answered(msg)) return "settled"; // its answer is queued
      const outcome = await dispatcher.submit(msg, {
        redelivered: info.redelivered,
        reply: !msg.isReply, // never answer an answer
      });
      return outcome.status === "aborted" ? "abandoned" : "settled";
    },
  });
  input.onPoll(poll);
  await talk.attach(store); // answers a previous run left, before any redelivery
  await poll.start();
  const open = client.openEventStream?.bind(client);
  if (o.eventWakeups !== false && input.eventStream && open) {
    const events = new EventWakeups({
      logger,
      open: eventStreamOpener(open),
      onWake: () => poll.wake(),
      onStatus: (connected) => logger.debug?.("event stream", { connected }),
    });
    input.onEvents(events);
    events.start();
  }
}
