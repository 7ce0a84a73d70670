// The README's "Testing your agent" block runs as pasted: this package's `/testing` subpath,
// resolved through its own `exports` from the built dist (what the tarball ships).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The first `ts` code block after `heading` in the README. */
async function readmeBlock(heading: string): Promise<string> {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.indexOf(heading);
  if (section < 0) throw new Error(`README has no section ${heading}`);
  const start = readme.indexOf("```ts\n", section) + "```ts\n".length;
  return readme.slice(start, readme.indexOf("```\n", start));
}

describe("README: Testing your agent", () => {
  it("runs offline and prints the echoed answer", async () => {
    const code = await readmeBlock("## Testing your agent");
    const { stdout, stderr } = await run(
      process.execPath,
      ["--input-type=module-typescript", "-e", code],
      { cwd: packageDir, timeout: 60_000 },
    );
    expect(stdout.trim()).toBe("echo: hi");
    expect(stderr).toBe("");
  }, 60_000);
});
