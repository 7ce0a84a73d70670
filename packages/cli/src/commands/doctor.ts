// `molecule-agent doctor`: why is my agent grey on the canvas? Checks the platform, the token, the
// contract, the registration, the heartbeat and (push) the platform's path to the agent, prints a
// report with a fix for each failure, and exits 1 when a check failed (2 on bad input).
import { Option, type Command } from "commander";
import { formatReport } from "../doctor/report.js";
import { runDoctor } from "../doctor/run.js";
import { CliError } from "../errors.js";
import { addPlatformOptions, clientFromFlags, type PlatformFlags } from "../platform-flags.js";
import { warnIfTokenOnArgv } from "./secrets.js";

/** Options of `molecule-agent doctor` after parsing (env already applied). */
export interface DoctorOptions extends PlatformFlags {
  timeout?: string;
  json?: boolean;
}

/** Where the report goes; the defaults are the process's stdout and stderr. */
export interface DoctorIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: DoctorIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Adds `molecule-agent doctor`. */
export function registerDoctorCommand(program: Command): void {
  const doctor = program
    .command("doctor")
    .description(
      "Check the platform, the token, the registration, the heartbeat and the push path of a workspace.",
    )
    .addOption(new Option("--timeout <seconds>", "time limit of each network check (default 10)"))
    .option("--json", "print the checks as JSON");
  addPlatformOptions(doctor).action(async (opts: DoctorOptions, command: Command) => {
    warnIfTokenOnArgv(command, (t) => process.stderr.write(t), "molecule-agent doctor:");
    process.exitCode = await runDoctorCommand(opts);
  });
}

/** Runs the checks and prints the report; resolves with the exit code (0, 1 a check failed, 2 bad input). */
export async function runDoctorCommand(
  opts: DoctorOptions,
  io: DoctorIO = processIO,
): Promise<number> {
  let timeoutMs = 10_000;
  if (opts.timeout !== undefined) {
    const s = Number(opts.timeout);
    if (!Number.isFinite(s) || s <= 0) {
      io.err(
        `molecule-agent doctor: --timeout must be a positive number of seconds, got ${JSON.stringify(opts.timeout)}\n`,
      );
      return 2;
    }
    timeoutMs = s * 1000;
  }
  let client;
  try {
    client = clientFromFlags(opts, 2);
  } catch (err) {
    io.err(`molecule-agent doctor: ${(err as Error).message}\n`);
    return err instanceof CliError ? err.exitCode : 2;
  }
  try {
    const checks = await runDoctor({
      client,
      token: opts.token?.trim() || undefined,
      tokenFile: opts.tokenFile,
      orgId: opts.orgId,
      timeoutMs,
    });
    io.out(
      opts.json
        ? `${JSON.stringify({ platformUrl: client.platformUrl, workspaceId: client.workspaceId, checks }, null, 2)}\n`
        : formatReport(
            checks,
            `molecule-agent doctor: workspace ${client.workspaceId} on ${client.platformUrl}`,
          ),
    );
    return checks.some((c) => c.status === "fail") ? 1 : 0;
  } finally {
    await client.close();
  }
}
