import { Command } from "commander";
import { registerConnectCommand } from "./commands/connect.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerPluginCommand } from "./commands/plugin.js";
import { registerSendCommand } from "./commands/send.js";

/** Builds the `molecule-agent` command line program. */
export function createProgram(): Command {
  const program = new Command("molecule-agent")
    .description("Run and manage a Molecule AI remote agent.")
    .showHelpAfterError();
  registerConnectCommand(program);
  registerSendCommand(program);
  registerDoctorCommand(program);
  registerMcpCommand(program);
  registerPluginCommand(program);
  return program;
}
