#!/usr/bin/env node
// `molecule-platform-emulator`: runs the local Molecule platform from the shell, optionally with
// workspaces created at start-up and the `export` lines their agents need.
import { parseCli, USAGE, type CliOptions } from "./cli-options.js";
import { EmulatorError } from "./errors.js";
import { startEmulator } from "./index.js";
import { createStartupWorkspaces, describeWorkspace, writeEnvFiles } from "./startup-workspaces.js";

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emu = await startEmulator(cli.emulator);
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    void emu.close().then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  process.stdout.write(`listening on ${emu.url}\n`);
  process.stdout.write(`admin token: ${emu.adminToken}\n`);
  // After the start-up workspaces' blocks: scripts read the two banner lines, then the blocks.
  const canvasLine =
    emu.canvasUrl === undefined
      ? ""
      : `canvas: ${emu.canvasUrl} (the live org in a browser; asks for the admin token once per tab)\n`;
  if (cli.workspaces.length === 0) {
    process.stdout.write(canvasLine);
    return;
  }
  try {
    const created = await createStartupWorkspaces(emu.admin, cli.workspaces);
    const orgId = emu.orgId;
    const files =
      cli.envDir === undefined
        ? undefined
        : await writeEnvFiles(cli.envDir, emu.url, created, orgId);
    let text = "";
    for (const ws of created)
      text += `\n${describeWorkspace(emu.url, ws, files?.get(ws.name), orgId)}`;
    process.stdout.write(`${text}\n${canvasLine}`);
  } catch (err) {
    const code = err instanceof EmulatorError ? ` [${err.code}]` : "";
    process.stderr.write(
      `molecule-platform-emulator: --workspace failed${code}: ${(err as Error).message}\n`,
    );
    stop(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`molecule-platform-emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
