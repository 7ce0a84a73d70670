// Runs the AI SDK writer.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C
//   (push to MOLECULE_PUBLIC_URL when it is set, else poll where the platform has it, else push).
//   Otherwise: starts an emulated platform in this process with two more workspaces (a Fact
//   Checker the writer can ask, an Editor who asks the writer), serves the writer's push route,
//   prints one exchange and exits (`--keep`: stay up and send what you type as the Editor).
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
import { startAiSdkSpecialist } from "./agent.js";

const env = process.env;
// An AI Gateway model id, e.g. "openai/gpt-5-mini" (needs AI_GATEWAY_API_KEY); or pass
// `model: openai("gpt-5-mini")` from @ai-sdk/openai to startAiSdkSpecialist.
const model = env.AI_SDK_MODEL || undefined;
if (!model && (env.OPENAI_API_KEY || env.ANTHROPIC_API_KEY || env.AI_GATEWAY_API_KEY)) {
  console.log("hint: set AI_SDK_MODEL (e.g. openai/gpt-5-mini) to use your provider");
}
const target = platformFromEnv();
if (target) await connectOrExit(target, () => connect(target));
else await offline(process.argv.includes("--keep"));

async function connect(target: PlatformTarget): Promise<void> {
  const { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId, whenPaused } = target;
  // Push to MOLECULE_PUBLIC_URL (e.g. a tunnel to MOLECULE_PORT) when set; else poll where the
  // platform has it, push on localhost where it has not (the April 2026 platform).
  const writer = await startAiSdkSpecialist({
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
  console.log(`model: ${writer.model}`);
  console.log(`tools: ${writer.tools.join(", ")}`);
  await runUntilSignal(
    writer,
    `Writer ${workspaceId} connected to ${platformUrl} (delivery: ${writer.agent.delivery}). Press Ctrl+C to stop.`,
  );
}

async function offline(keep: boolean): Promise<void> {
  const emu = await startEmulator();
  console.log(`platform: in-process emulator at ${emu.url}`);
  const writerWs = await emu.admin.createWorkspace({ name: "Writer" });
  const checkerWs = await emu.admin.createWorkspace({ name: "Fact Checker", role: "facts" });
  const editorWs = await emu.admin.createWorkspace({ name: "Editor" });

  // The Fact Checker: a plain core agent the writer can ask.
  const checker = await startPeer(emu.url, checkerWs, {
    agentCard: { name: "Fact Checker", description: "Checks claims." },
    handler: (msg) => {
      console.log(`  Writer -> Fact Checker (peer tool call): ${msg.text}`);
      const answer = "true: a remote agent can run behind NAT, it only makes outbound calls.";
      console.log(`  Fact Checker -> Writer: ${answer}`);
      return answer;
    },
  });

  // The writer answers on its push route: the platform forwards each message to it.
  const writer = await startAiSdkSpecialist({
    platformUrl: emu.url,
    workspaceId: writerWs.id,
    token: writerWs.token,
    delivery: "push",
    model,
  });
  console.log(`model: ${writer.model}`);
  console.log(`Writer is running (delivery: push, tools: ${writer.tools.join(", ")})`);
  const route = writer.pushUrl!.replace(/[^/]+$/, "<path secret>");
  console.log(
    `push route: ${route} (createPeerRequestHandler on node:http), registered with the platform`,
  );

  // The Editor calls the writer through the platform proxy and gets the answer in the response.
  const editor = await startConversation(emu.url, editorWs, {
    name: "Editor",
    peerId: writerWs.id,
    peerName: "Writer",
  });
  await editor.ask("Can a remote agent run behind NAT? Ask the fact checker.");
  if (keep) {
    await editor.relayStdin("Type a message for the Writer and press Enter; Ctrl+C to stop.");
  }

  await editor.stop();
  await writer.stop();
  await checker.stop();
  await emu.close();
  console.log("done");
}
