// Runs the LangChain researcher.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C
//   (poll where the platform has it, else push; MOLECULE_PUBLIC_URL / MOLECULE_PORT for push).
//   Otherwise: starts an emulated platform in this process with two more workspaces (an Archivist
//   the researcher can ask, an Editor who asks the researcher), prints one exchange and exits
//   (`--keep`: stay up and send what you type as the Editor).
// The plumbing every example shares (environment, signals, the other workspaces) is in
// examples/shared.
import {
  connectOrExit,
  consoleLogger,
  platformFromEnv,
  runUntilSignal,
  startConversation,
  startPeer,
} from "@example/shared";
import type { PlatformTarget } from "@example/shared";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startLangChainSpecialist } from "./agent.js";

const env = process.env;
// A LangChain model id, e.g. "openai:gpt-5-mini" (needs @langchain/openai and OPENAI_API_KEY).
const model = env.LANGCHAIN_MODEL || undefined;
if (!model && (env.OPENAI_API_KEY || env.ANTHROPIC_API_KEY)) {
  console.log("hint: set LANGCHAIN_MODEL (e.g. openai:gpt-5-mini) to use your provider");
}
const target = platformFromEnv();
if (target) await connectOrExit(target, () => connect(target));
else await offline(process.argv.includes("--keep"));

async function connect(target: PlatformTarget): Promise<void> {
  const { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId, whenPaused } = target;
  const researcher = await startLangChainSpecialist({
    platformUrl,
    workspaceId,
    token,
    ...(tokenFile ? { tokenFile } : {}),
    ...(orgId ? { orgId } : {}),
    logger: consoleLogger,
    whenPaused,
    model,
    ...(publicUrl ? { publicUrl } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  console.log(`model: ${researcher.model}`);
  console.log(`peer tools: ${researcher.tools.join(", ") || "(no peers yet)"}`);
  await runUntilSignal(
    researcher,
    `Researcher ${workspaceId} connected to ${platformUrl} (delivery: ${researcher.agent.delivery}). Press Ctrl+C to stop.`,
  );
}

async function offline(keep: boolean): Promise<void> {
  const emu = await startEmulator();
  console.log(`platform: in-process emulator at ${emu.url}`);
  const researcherWs = await emu.admin.createWorkspace({ name: "Researcher" });
  const archivistWs = await emu.admin.createWorkspace({ name: "Archivist", role: "archives" });
  const editorWs = await emu.admin.createWorkspace({ name: "Editor" });

  // The Archivist: a plain core agent the researcher can ask (push: it answers synchronously).
  const archivist = await startPeer(emu.url, archivistWs, {
    agentCard: { name: "Archivist", description: "Knows the archives." },
    handler: (msg) => {
      console.log(`  Researcher -> Archivist (peer tool call): ${msg.text}`);
      const answer = "remote agents run anywhere and join the org as workspaces (archive #7).";
      console.log(`  Archivist -> Researcher: ${answer}`);
      return answer;
    },
  });

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
  const editor = await startConversation(emu.url, editorWs, {
    name: "Editor",
    peerId: researcherWs.id,
    peerName: "Researcher",
  });
  await editor.ask("What does the Archivist know about remote agents?");
  if (keep) {
    await editor.relayStdin("Type a question for the Researcher and press Enter; Ctrl+C to stop.");
  }

  await editor.stop();
  await researcher.stop();
  await archivist.stop();
  await emu.close();
  console.log("done");
}
