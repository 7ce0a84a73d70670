// Runs the AI SDK writer.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C
//   (push to MOLECULE_PUBLIC_URL when it is set, else poll).
//   Otherwise: starts an emulated platform in this process with two more workspaces (a Fact
//   Checker the writer can ask, an Editor who asks the writer), serves the writer's push route,
//   prints one exchange and exits (`--keep`: stay up and send what you type as the Editor).
import { createInterface } from "node:readline";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startAiSdkSpecialist } from "./agent.js";

const env = process.env;
// An AI Gateway model id, e.g. "openai/gpt-5-mini" (needs AI_GATEWAY_API_KEY); or pass
// `model: openai("gpt-5-mini")` from @ai-sdk/openai to startAiSdkSpecialist.
const model = env.AI_SDK_MODEL || undefined;
if (!model && (env.OPENAI_API_KEY || env.ANTHROPIC_API_KEY || env.AI_GATEWAY_API_KEY)) {
  console.log("hint: set AI_SDK_MODEL (e.g. openai/gpt-5-mini) to use your provider");
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
  const publicUrl = env.MOLECULE_PUBLIC_URL; // e.g. a tunnel to this machine's PORT
  const writer = await startAiSdkSpecialist({
    platformUrl,
    workspaceId,
    token: env.MOLECULE_WORKSPACE_TOKEN,
    logger: { info: console.info, warn: console.warn, error: console.error },
    model,
    ...(publicUrl
      ? { delivery: "push", publicUrl, host: "0.0.0.0", port: Number(env.PORT ?? 8080) }
      : {}),
  });
  console.log(`model: ${writer.model}`);
  console.log(`tools: ${writer.tools.join(", ")}`);
  console.log(
    `Writer ${workspaceId} connected to ${platformUrl} (delivery: ${writer.agent.delivery}). Press Ctrl+C to stop.`,
  );
  await untilSignal(writer.agent.done);
  await writer.stop();
  const { reason, error } = await writer.agent.done;
  console.log(`Stopped (${reason})${error ? `: ${String(error)}` : ""}`);
  process.exitCode = reason === "error" || reason === "unauthorized" ? 1 : 0;
}

async function offline(keep: boolean): Promise<void> {
  const emu = await startEmulator();
  console.log(`platform: in-process emulator at ${emu.url}`);
  const writerWs = await emu.admin.createWorkspace({ name: "Writer" });
  const checkerWs = await emu.admin.createWorkspace({ name: "Fact Checker", role: "facts" });
  const editorWs = await emu.admin.createWorkspace({ name: "Editor" });

  // The Fact Checker: a plain core agent the writer can ask.
  const checkerClient = client(emu.url, checkerWs);
  const checker = new RemoteAgent({
    client: checkerClient,
    agentCard: { name: "Fact Checker", description: "Checks claims." },
    delivery: "push",
    handler: (msg) => {
      console.log(`  Writer -> Fact Checker (peer tool call): ${msg.text}`);
      const answer = "true: a remote agent can run behind NAT, it only makes outbound calls.";
      console.log(`  Fact Checker -> Writer: ${answer}`);
      return answer;
    },
  });
  await checker.start();

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
  const editor = client(emu.url, editorWs);
  await editor.register({ agentCard: { name: "Editor" }, deliveryMode: "poll" });
  const ask = async (text: string): Promise<void> => {
    console.log(`Editor -> Writer: ${text}`);
    const result = await editor.callPeer(writerWs.id, text);
    if (result.status === "queued")
      throw new Error("the writer's route did not answer synchronously");
    console.log(`Writer -> Editor: ${sanitizePeerText(result.text)}`); // peer text is untrusted
  };

  await ask("Can a remote agent run behind NAT? Ask the fact checker.");
  if (keep) {
    console.log("Type a message for the Writer and press Enter; Ctrl+C to stop.");
    const lines = createInterface({ input: process.stdin });
    let chain = Promise.resolve();
    lines.on("line", (line) => {
      const text = line.trim();
      if (text)
        chain = chain.then(() => ask(text)).catch((err: unknown) => console.error(String(err)));
    });
    await untilSignal(new Promise((resolve) => lines.once("close", resolve)));
    lines.close();
    await chain;
  }

  await writer.stop();
  await checker.stop();
  await Promise.all([editor.close(), checkerClient.close()]);
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
