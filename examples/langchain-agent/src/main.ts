// Runs the LangChain researcher.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C.
//   Otherwise: starts an emulated platform in this process with two more workspaces (an Archivist
//   the researcher can ask, an Editor who asks the researcher), prints one exchange and exits
//   (`--keep`: stay up and send what you type as the Editor).
import { createInterface } from "node:readline";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startLangChainSpecialist } from "./agent.js";

const env = process.env;
// A LangChain model id, e.g. "openai:gpt-5-mini" (needs @langchain/openai and OPENAI_API_KEY).
const model = env.LANGCHAIN_MODEL || undefined;
if (!model && (env.OPENAI_API_KEY || env.ANTHROPIC_API_KEY)) {
  console.log("hint: set LANGCHAIN_MODEL (e.g. openai:gpt-5-mini) to use your provider");
}
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
  const researcher = await startLangChainSpecialist({
    platformUrl,
    workspaceId,
    token: env.MOLECULE_WORKSPACE_TOKEN,
    logger: { info: console.info, warn: console.warn, error: console.error },
    model,
  });
  console.log(`model: ${researcher.model}`);
  console.log(`peer tools: ${researcher.tools.join(", ") || "(no peers yet)"}`);
  console.log(`Researcher ${workspaceId} connected to ${platformUrl}. Press Ctrl+C to stop.`);
  await untilSignal(researcher.agent.done);
  await researcher.stop();
  const { reason, error } = await researcher.agent.done;
  console.log(`Stopped (${reason})${error ? `: ${String(error)}` : ""}`);
  process.exitCode = reason === "error" || reason === "unauthorized" ? 1 : 0;
}

async function offline(keep: boolean): Promise<void> {
  const emu = await startEmulator();
  console.log(`platform: in-process emulator at ${emu.url}`);
  const researcherWs = await emu.admin.createWorkspace({ name: "Researcher" });
  const archivistWs = await emu.admin.createWorkspace({ name: "Archivist", role: "archives" });
  const editorWs = await emu.admin.createWorkspace({ name: "Editor" });

  // The Archivist: a plain core agent the researcher can ask (push: it answers synchronously).
  const archivistClient = client(emu.url, archivistWs);
  const archivist = new RemoteAgent({
    client: archivistClient,
    agentCard: { name: "Archivist", description: "Knows the archives." },
    delivery: "push",
    handler: (msg) => {
      console.log(`  Researcher -> Archivist (peer tool call): ${msg.text}`);
      const answer = "remote agents run anywhere and join the org as workspaces (archive #7).";
      console.log(`  Archivist -> Researcher: ${answer}`);
      return answer;
    },
  });
  await archivist.start();

  const researcher = await startLangChainSpecialist({
    platformUrl: emu.url,
    workspaceId: researcherWs.id,
    token: researcherWs.token,
    model,
  });
  console.log(`model: ${researcher.model}`);
  console.log(
    `Researcher is running (delivery: ${researcher.agent.delivery}, peer tools: ${researcher.tools.join(", ")})`,
  );

  // The Editor sends questions through the platform; answers land in the Editor's inbox.
  const editorClient = client(emu.url, editorWs);
  let pending = 0;
  let answered: (() => void) | undefined;
  const allAnswered = (): Promise<void> =>
    pending === 0 ? Promise.resolve() : new Promise((resolve) => (answered = resolve));
  const editor = new RemoteAgent({
    client: editorClient,
    delivery: "poll",
    handler: (msg) => {
      console.log(`Researcher -> Editor: ${sanitizePeerText(msg.text)}`); // peer text is untrusted
      if (--pending === 0) answered?.();
    },
  });
  await editor.start();
  const ask = async (text: string): Promise<void> => {
    console.log(`Editor -> Researcher: ${text}`);
    pending++;
    try {
      await editorClient.callPeer(researcherWs.id, text);
    } catch (err) {
      if (--pending === 0) answered?.();
      throw err;
    }
  };

  await ask("What does the Archivist know about remote agents?");
  await withTimeout(allAnswered(), 15_000, "no answer from the Researcher within 15 s");
  if (keep) {
    console.log("Type a question for the Researcher and press Enter; Ctrl+C to stop.");
    const lines = createInterface({ input: process.stdin });
    lines.on("line", (line) => {
      if (line.trim()) ask(line.trim()).catch((err: unknown) => console.error(String(err)));
    });
    await untilSignal(new Promise((resolve) => lines.once("close", resolve)));
    lines.close();
    await withTimeout(
      allAnswered(),
      15_000,
      "the Researcher did not answer everything within 15 s",
    );
  }

  await editor.stop();
  await researcher.stop();
  await archivist.stop();
  await Promise.all([editorClient.close(), archivistClient.close()]);
  await emu.close();
  console.log("done");
}

function client(
  platformUrl: string,
  ws: { id: string; token?: string | undefined },
): PlatformClient {
  return new PlatformClient({ platformUrl, workspaceId: ws.id, token: ws.token });
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
