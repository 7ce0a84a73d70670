// conversation-latency's answering agent, in its own process (see bench-agent.ts for its
// environment, readiness message and shutdown): answers every question with `answer:<text>`.
import { runBenchAgent } from "./bench-agent.ts";

await runBenchAgent("conversation-peer", { handler: (msg) => `answer:${msg.text}` });
