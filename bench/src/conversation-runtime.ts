// conversation-latency's per-runtime side: run by Node, Bun or Deno (the same file), it starts an
// asking and an answering default RemoteAgent in this process on the emulator at
// BENCH_EMULATOR_URL (its own process), measures BENCH_N sequential ask -> answer round trips
// (`agent.callPeer` awaiting a poll-delivered peer's answer, wake-ups on) and prints one line:
// `RESULT {"ms":[...],"failures":n}`. Written without type-only syntax Node cannot strip.
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

const url = process.env.BENCH_EMULATOR_URL!;
const n = Number(process.env.BENCH_N ?? 50);
const admin = new AdminClient({ platformUrl: url, adminToken: process.env.BENCH_ADMIN_TOKEN! });
const a = await admin.createExternalWorkspace({ name: "runtime-asker" });
const b = await admin.createExternalWorkspace({ name: "runtime-answerer" });

async function started(id: string, token: string, handler: (msg: { text: string }) => unknown) {
  const client = new PlatformClient({ platformUrl: url, workspaceId: id, token });
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const agent = new RemoteAgent({
    client,
    handler: handler as never,
    logger: {
      debug: (msg, meta) => {
        if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
      },
    },
  });
  await agent.start();
  await connected;
  return { agent, stop: async () => (await agent.stop(), await client.close()) };
}

const answerer = await started(b.id, b.token!, (msg) => `answer:${msg.text}`);
const asker = await started(a.id, a.token!, () => undefined);
const ms: number[] = [];
let failures = 0;
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const r = await asker.agent.callPeer(b.id, `q${i}`, { timeoutMs: 20_000 }).catch(() => undefined);
  ms.push(performance.now() - t0);
  if (r?.status !== "completed" || r.text !== `answer:q${i}`) failures++;
}
await asker.stop();
await answerer.stop();
await admin.close();
console.log(`RESULT ${JSON.stringify({ ms, failures })}`);
process.exit(0);
