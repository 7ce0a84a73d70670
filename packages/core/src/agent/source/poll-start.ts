// Poll delivery start-up: the state store over the agent's store, the poll loop wired to the
// dispatcher and the conversation runtime (in this process, or shared by replicas when the store
// is shared), and event-stream wake-ups when the platform has them.
import { EventWakeups } from "../../inbound/index.js";
import type { InboundGapWarning } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import { PollDelivery } from "../../inbound/index.js";
import { detached } from "../../observability/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import { PollSource } from "./poll-source.js";
import { eventStreamOpener, pollFetcher } from "./poll-fetch.js";
import type { AgentStateStore } from "../store/state-store.js";
import type { AgentStore, SharedPoll } from "../store/store.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";

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
  admission: Admission;
  router: Router;
  runner: Dispatcher;
  answers: Answers;
  /** Whether the platform serves the event stream. */
  eventStream: boolean;
  /** Receives the poll loop before it starts (a shared one once started), so a failed start still stops it. */
  onPoll(poll: PollRunner): void;
  /** Receives the event wake-ups once they run. */
  onEvents(events: EventWakeups): void;
  /** The platform paused or removed the workspace, or the event stream dropped: check the state now. */
  onStateEvent(): void;
  /** Reports a gap in poll delivery. */
  onGap(warning: InboundGapWarning): void;
}

/** Starts poll delivery (and wake-ups); answers a previous run left are queued before any redelivery. */
export async function startPoll(input: StartPollInput): Promise<void> {
  const { client, options: o, logger, answers } = input;
  const store = input.state;
  const intervalMs = o.pollIntervalMs ?? 5_000;
  const concurrency = o.concurrency ?? 4;
  const open = eventStreamOpener(client);
  const source = new PollSource({
    fetchPage: pollFetcher(client, o.pollLimit),
    store,
    admission: input.admission,
    router: input.router,
    runner: input.runner,
    answers,
    logger,
    intervalMs,
    connectedIntervalMs: intervalMs * CONNECTED_SLOWDOWN,
    maxInFlight: concurrency,
    dedupWindow: o.dedupWindow,
    backfill: o.backfill,
    onGap: input.onGap,
    onStateEvent: input.onStateEvent,
    open,
  });
  const shared = input.store.shared;
  if (shared) {
    await answers.attach(store); // answers a previous run left, before any redelivery
    // The poll loop's requests are not part of start()'s trace.
    const poll = await detached(() =>
      shared.startPoll({
        workspaceId: client.workspaceId,
        fetch: async (opts) => await source.fetch(opts),
        handle: async (msg, info) => await source.handle(msg, info),
        deadLetter: async (msg, error) => await answers.deadLetter(msg, error),
        concurrency,
        pollIntervalMs: intervalMs,
        backfill: o.backfill ?? "all",
        logger,
      }),
    );
    source.poll = poll;
    input.onPoll(poll);
  } else {
    const local = new PollDelivery(source);
    source.poll = local;
    input.onPoll(local);
    await answers.attach(store);
    await detached(() => local.start());
  }
  if (o.eventWakeups !== false && input.eventStream && open) {
    const wakeups = new EventWakeups(source);
    source.events = wakeups;
    input.onEvents(wakeups);
    detached(() => wakeups.start());
  }
}
