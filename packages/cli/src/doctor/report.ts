// The human-readable report of `molecule-agent doctor`.
import type { DoctorCheck } from "./types.js";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" } as const;

/** One line per check (`[ok  ] platform  ...`), a `fix:` line under each failure or warning. */
export function formatReport(checks: readonly DoctorCheck[], header: string): string {
  const width = Math.max(...checks.map((c) => c.id.length));
  let out = `${header}\n\n`;
  for (const c of checks) {
    out += `  [${MARK[c.status]}] ${c.id.padEnd(width)}  ${c.detail}\n`;
    if (c.fix !== undefined && (c.status === "fail" || c.status === "warn"))
      out += `         ${" ".repeat(width)}  fix: ${c.fix}\n`;
  }
  const failed = checks.filter((c) => c.status === "fail").length;
  out += `\n${failed === 0 ? "all checks passed" : `${failed} check${failed === 1 ? "" : "s"} failed (what each line means: https://github.com/Molecule-AI/molecule-sdk-ts/blob/main/docs/troubleshooting.md)`}\n`;
  return out;
}
