// README code blocks as tests: take a block from a package's README and run it as a user would.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The first `ts` code block after `heading` in the README at `readme`. */
export async function readmeBlock(readme: URL, heading: string): Promise<string> {
  const text = await readFile(readme, "utf8");
  const section = text.indexOf(heading);
  if (section < 0) throw new Error(`${readme.pathname} has no section ${heading}`);
  const start = text.indexOf("```ts\n", section) + "```ts\n".length;
  return text.slice(start, text.indexOf("```\n", start));
}

/**
 * Runs TypeScript `code` as an ES module with Node's type stripping, from `packageDir` (so the
 * package's own name resolves through its `exports`, to the built dist the tarball ships).
 */
export async function runTypeScript(
  code: string,
  packageDir: URL,
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return await promisify(execFile)(
    process.execPath,
    ["--input-type=module-typescript", "-e", code],
    { cwd: fileURLToPath(packageDir), timeout: timeoutMs },
  );
}
