// What every scenario shares: an emulated platform in this process (so the emulator runs on the
// runtime under test too), a deadline, and the one result line the test reads.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";

export { PlatformClient, RemoteAgent, startEmulator };

/** Fails the scenario (exit 1) when it has not finished within `ms`. */
export function deadline(ms = 30_000) {
  const t = setTimeout(() => {
    console.error(`scenario did not finish within ${ms} ms`);
    process.exit(1);
  }, ms);
  t.unref?.();
}

/** A started RemoteAgent as workspace `ws` on `url`, answering with `handler`. */
export async function agentOf(url, ws, delivery, handler, extra = {}) {
  const client = new PlatformClient({ platformUrl: url, workspaceId: ws.id, token: ws.token });
  const agent = new RemoteAgent({
    client,
    delivery,
    handler,
    agentCard: { name: ws.name ?? ws.id },
    ...extra,
  });
  await agent.start();
  return {
    agent,
    client,
    async stop() {
      await agent.stop();
      await client.close();
    },
  };
}

/** Prints the result line (`RESULT {...}`) and exits 0. */
export function done(result) {
  console.log(`RESULT ${JSON.stringify({ runtime: runtime(), ...result })}`);
  process.exit(0);
}

/** The runtime this scenario runs on (reported only; nothing branches on it). */
function runtime() {
  if (typeof globalThis.Bun !== "undefined") return `bun ${globalThis.Bun.version}`;
  if (typeof globalThis.Deno !== "undefined") return `deno ${globalThis.Deno.version.deno}`;
  return `node ${process.versions.node}`;
}
