// When each benchmark last changed, from git: the results table marks a figure measured before that
// as stale (harness/readme.ts).
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * When each benchmark's source (`bench/src/<name>.ts` and `<name>-*.ts`) was last committed (ISO
 * date), from git; left out where git cannot say (no repository: nothing is marked stale).
 */
export async function lastChanged(names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of names) {
    const at = await new Promise<string>((resolve) => {
      const paths = [`bench/src/${name}.ts`, `:(glob)bench/src/${name}-*.ts`];
      execFile("git", ["log", "-1", "--format=%cI", "--", ...paths], { cwd: REPO }, (err, stdout) =>
        resolve(err ? "" : stdout.trim()),
      );
    });
    if (at !== "") out.set(name, at);
  }
  return out;
}
