// Runs the echo host.
//   MOLECULE_PLATFORM_URL set: joins that platform as MOLECULE_WORKSPACE_ID and answers messages
//   until Ctrl+C.
//   Otherwise: starts an emulated platform in this process, sends the host a message from a second
//   workspace, prints the exchange and exits.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { platformFromEnv, startConversation, untilSignal } from "@example/shared";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { startEchoHost } from "./host.js";

const target = platformFromEnv();
if (target) {
  const host = await startEchoHost({
    MOLECULE_PLATFORM_URL: target.platformUrl,
    MOLECULE_WORKSPACE_ID: target.workspaceId,
    ...(target.token ? { MOLECULE_WORKSPACE_TOKEN: target.token } : {}),
    ...(target.tokenFile ? { MOLECULE_WORKSPACE_TOKEN_FILE: target.tokenFile } : {}),
    ...(target.orgId ? { MOLECULE_ORG_ID: target.orgId } : {}),
  });
  console.log(
    `MCP host joined ${target.platformUrl} as ${target.workspaceId}. Press Ctrl+C to stop.`,
  );
  await untilSignal(host.done);
  await host.stop();
} else {
  const emu = await startEmulator();
  const state = mkdtempSync(join(tmpdir(), "mcp-host-"));
  console.log(`platform: in-process emulator at ${emu.url}`);
  const hostWs = await emu.admin.createWorkspace({ name: "Host" });
  const aliceWs = await emu.admin.createWorkspace({ name: "Alice" });
  const host = await startEchoHost({
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: hostWs.id,
    MOLECULE_WORKSPACE_TOKEN: hostWs.token!,
    MOLECULE_MCP_STATE_DIR: state,
    MOLECULE_LOG_LEVEL: "warn",
  });
  console.log(`Host runs molecule-mcp as workspace ${hostWs.id}`);
  const alice = await startConversation(emu.url, aliceWs, {
    name: "Alice",
    peerId: hostWs.id,
    peerName: "Host",
  });
  await alice.ask("Hello, Molecule!");
  await alice.stop();
  await host.stop();
  await emu.close();
  rmSync(state, { recursive: true, force: true });
  console.log("done");
}
