// Runs the echo agent.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C.
//   Otherwise: starts an emulated platform in this process, sends the agent a message from a
//   second workspace, prints the exchange and exits (`--keep`: stay up and send what you type).
import { createInterface } from "node:readline";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startEchoAgent } from "./agent.js";

const env = process.env;
if (env.MOLECULE_PLATFORM_URL) await connect(env.MOLECULE_PLATFORM_URL);
else await offline(process.argv.includes("--keep"));

async function connect(platformUrl: string): Promise<void> {
  const workspaceId = env.MOLECULE_WORKSPACE_ID;
  if (!workspaceId) {
    console.error(
      "Set MOLECULE_WORKSPACE_ID (and MOLECULE_WORKSPACE_TOKEN) to the workspace to run as.",
    );
    process.exit(2);
  }
  const echo = await startEchoAgent({
    platformUrl,
    workspaceId,
    token: env.MOLECULE_WORKSPACE_TOKEN,
    logger: { info: console.info, warn: console.warn, error: console.error },
  });
  console.log(`Echo agent ${workspaceId} connected to ${platformUrl}. Press Ctrl+C to stop.`);
  await untilSignal(echo.agent.done);
  await echo.stop();
  const { reason, error } = await echo.agent.done;
  console.log(`Stopped (${reason})${error ? `: ${String(error)}` : ""}`);
  process.exitCode = reason === "error" || reason === "unauthorized" ? 1 : 0;
}

async function offline(keep: boolean): Promise<void> {
  const emu = await startEmulator();
  console.log(`platform: in-process emulator at ${emu.url}`);
  const echoWs = await emu.admin.createWorkspace({ name: "Echo" });
  const aliceWs = await emu.admin.createWorkspace({ name: "Alice" });

  const echo = await startEchoAgent({
    platformUrl: emu.url,
    workspaceId: echoWs.id,
    token: echoWs.token,
  });
  console.log(`Echo is running as workspace ${echoWs.id} (delivery: ${echo.agent.delivery})`);

  // Alice is another workspace. Her messages reach Echo through the platform; Echo's replies
  // land in her inbox, which her own RemoteAgent polls.
  const alice = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: aliceWs.id,
    token: aliceWs.token,
  });
  let pending = 0; // messages Alice sent that are not answered yet
  let answered: (() => void) | undefined;
  const allAnswered = (): Promise<void> =>
    pending === 0 ? Promise.resolve() : new Promise((resolve) => (answered = resolve));
  const aliceAgent = new RemoteAgent({
    client: alice,
    delivery: "poll",
    handler: (msg) => {
      console.log(`Echo -> Alice: ${sanitizePeerText(msg.text)}`); // peer text is untrusted
      if (--pending === 0) answered?.();
    },
  });
  await aliceAgent.start();

  const send = async (text: string): Promise<void> => {
    console.log(`Alice -> Echo: ${text}`);
    pending++;
    try {
      await alice.callPeer(echoWs.id, text); // "queued": Echo picks it up on its next poll
    } catch (err) {
      if (--pending === 0) answered?.();
      throw err;
    }
  };
  await send("Hello, Molecule!");
  await withTimeout(allAnswered(), 15_000, "no reply from Echo within 15 s");

  if (keep) {
    console.log("Type a message for Echo and press Enter; Ctrl+C to stop.");
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      if (line.trim()) send(line.trim()).catch((err: unknown) => console.error(String(err)));
    });
    await untilSignal(new Promise((resolve) => lines.once("close", resolve)));
    lines.close();
    await withTimeout(allAnswered(), 15_000, "Echo did not answer every message within 15 s");
  }
  await aliceAgent.stop();
  await alice.close();
  await echo.stop();
  await emu.close();
  console.log("done");
}

/** Resolves on Ctrl+C, SIGTERM or when `other` settles. */
async function untilSignal(other: Promise<unknown>): Promise<void> {
  let stop!: () => void;
  const signalled = new Promise<void>((resolve) => (stop = resolve));
  process.once("SIGINT", stop).once("SIGTERM", stop);
  await Promise.race([signalled, other]);
  process.off("SIGINT", stop).off("SIGTERM", stop);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
