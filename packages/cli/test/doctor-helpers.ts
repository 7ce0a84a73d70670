// Running `molecule-agent doctor` in-process against an emulator and reading its checks.
import { runDoctorCommand, type DoctorOptions } from "../src/commands/doctor.js";
import type { DoctorCheck } from "../src/doctor/types.js";

/** One doctor run: exit code, the text report, and the checks by id (from a `--json` run). */
export interface DoctorRun {
  code: number;
  text: string;
  err: string;
  checks: Record<string, DoctorCheck>;
}

/** Runs the command twice (text and `--json`) with `opts`. */
export async function doctor(opts: DoctorOptions): Promise<DoctorRun> {
  let text = "";
  let err = "";
  const code = await runDoctorCommand(opts, {
    out: (t) => (text += t),
    err: (t) => (err += t),
  });
  let json = "";
  await runDoctorCommand(
    { ...opts, json: true },
    { out: (t) => (json += t), err: () => undefined },
  );
  const checks: Record<string, DoctorCheck> = {};
  if (json !== "")
    for (const c of (JSON.parse(json) as { checks: DoctorCheck[] }).checks) checks[c.id] = c;
  return { code, text, err, checks };
}

/** The status of every check, in order, e.g. `{ platform: "ok", ... }`. */
export function statuses(r: DoctorRun): Record<string, string> {
  return Object.fromEntries(Object.entries(r.checks).map(([id, c]) => [id, c.status]));
}
