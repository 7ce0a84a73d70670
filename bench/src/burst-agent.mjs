// burst-memory's agent, plain JavaScript (Node's type stripper would add its own memory): a default
// poll RemoteAgent (default widths and store, state in MOLECULE_STATE_DIR) whose handler waits
// BURST_HANDLER_MS and answers in a few bytes. Prints `ready` once started and `handled <messageId>`
// as each handler starts; stops on SIGTERM.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

const env = process.env;
const client = new PlatformClient({
  platformUrl: env.BENCH_EMULATOR_URL,
  workspaceId: env.BENCH_WORKSPACE_ID,
  token: env.BENCH_WORKSPACE_TOKEN,
});
const wait = Number(env.BURST_HANDLER_MS ?? "0");
const agent = new RemoteAgent({
  client,
  logger: {},
  handler: async (msg) => {
    process.stdout.write(`handled ${msg.messageId}\n`);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return `ok ${msg.text.length}`;
  },
});
await agent.start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => void agent.stop());
await agent.done;
await client.close();
