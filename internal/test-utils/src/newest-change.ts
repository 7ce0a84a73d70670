// Whether something built is older than what it was built from: the newest modification time of
// its inputs. Plain Node (no other import), so scripts run by `node` load it by its package path.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time (ms) of `paths` and, for folders, everything in them; 0 if none. */
export function newestChange(paths: readonly string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) {
      const inside = readdirSync(path, { recursive: true }).map((f) => join(path, String(f)));
      for (const file of inside) newest = Math.max(newest, statSync(file).mtimeMs);
    }
  }
  return newest;
}
