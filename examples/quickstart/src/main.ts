// Runs the echo agent.
//   MOLECULE_PLATFORM_URL set: connects to that platform and answers messages until Ctrl+C
//   (poll where the platform has it, else push; MOLECULE_PUBLIC_URL / MOLECULE_PORT for push).
//   Otherwise: starts an emulated platform in this process, sends the agent a message from a
//   second workspace, prints the exchange and exits (`--keep`: stay up and send what you type).
// The plumbing every example shares (environment, signals, the other workspace) is in
// examples/shared.
import {
  connectOrExit,
  consoleLogger,
  platformFromEnv,
  runUntilSignal,
  startConversation,
} from "@example/shared";
import type { PlatformTarget } from "@example/shared";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startEchoAgent } from "./agent.js";

const target = platformFromEnv();
if (target) await connectOrExit(target, () => connect(target));
else await offline(process.argv.includes("--keep"));

async function connect(target: PlatformTarget): Promise<void> {
  const { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId, whenPaused } = target;
  const echo = await startEchoAgent({
    platformUrl,
    workspaceId,
    token,
    ...(tokenFile ? { tokenFile } : {}),
    ...(orgId ? { orgId } : {}),
    logger: consoleLogger,
    whenPaused,
    ...(publicUrl ? { publicUrl } : {}),
    ...(port !== undefined ? { port } : {}),
  });
  await runUntilSignal(
    echo,
    `Echo agent ${workspaceId} connected to ${platformUrl} (delivery: ${echo.agent.delivery}). Press Ctrl+C to stop.`,
  );
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

  // Alice is another workspace. Her messages reach Echo through the platform (`callPeer`, queued:
  // Echo picks them up on its next poll); Echo's replies land in her inbox, which her own
  // RemoteAgent polls.
  const alice = await startConversation(emu.url, aliceWs, {
    name: "Alice",
    peerId: echoWs.id,
    peerName: "Echo",
  });
  await alice.ask("Hello, Molecule!");
  if (keep) await alice.relayStdin("Type a message for Echo and press Enter; Ctrl+C to stop.");
  await alice.stop();
  await echo.stop();
  await emu.close();
  console.log("done");
}
