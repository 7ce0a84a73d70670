// README code blocks as tests: take a block from a package's README and run it as a user would.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { extractBlocks } from "./readme-blocks.js";

/** The first `ts` code block after `heading` in the README at `readme`. */
export async function readmeBlock(readme: URL, heading: string): Promise<string> {
  const text = await readFile(readme, "utf8");
  const section = text.indexOf(heading);
  if (section < 0) throw new Error(`${readme.pathname} has no section ${heading}`);
  const headingLine = text.slice(0, section).split("\n").length;
  const block = extractBlocks(text).find((b) => b.line > headingLine);
  if (!block) throw new Error(`${readme.pathname} has no TypeScript block after ${heading}`);
  return block.code;
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
