// inbound-latency's receiving agent, in its own process (see bench-agent.ts for its environment,
// readiness message and shutdown). Sends its parent `{ id, at }` when a handler starts, `at` in ms
// since the Unix epoch (performance.timeOrigin + performance.now(), comparable across processes on
// one machine). BENCH_REPLY "1" makes the handler answer every message (replies go through the
// reply outbox); an answer dead-lettered as undeliverable is reported as `{ replyFailed: true }`.
import { runBenchAgent } from "./bench-agent.ts";

const reply = process.env.BENCH_REPLY === "1";
await runBenchAgent("inbound-agent", {
  handler: (msg) => {
    process.send?.({ id: msg.messageId, at: performance.timeOrigin + performance.now() });
    return reply ? `answer:${msg.text}` : undefined;
  },
  // Replies to the unreachable caller end here: counted by the parent ({ replyFailed: true }).
  onDeadLetter: (_msg, error) => {
    if ((error as { code?: unknown }).code === "reply_failed")
      process.send?.({ replyFailed: true });
  },
});
