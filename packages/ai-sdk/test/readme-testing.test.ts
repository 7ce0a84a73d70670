// The README's "Testing your agent" block runs as pasted: this package's `/testing` subpath,
// resolved through its own `exports` from the built dist (what the tarball ships).
import { readmeBlock, runTypeScript } from "@internal/test-utils";
import { describe, expect, it } from "vitest";

describe("README: Testing your agent", () => {
  it("runs offline and prints the echoed answer", async () => {
    const code = await readmeBlock(
      new URL("../README.md", import.meta.url),
      "## Testing your agent",
    );
    const { stdout, stderr } = await runTypeScript(code, new URL("..", import.meta.url));
    expect(stdout.trim()).toBe("echo: hi");
    // Only the agents' own info lines (connected, stopped) on stderr: no warning, no error.
    const problems = stderr
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("[molecule] info "));
    expect(problems).toEqual([]);
  }, 60_000);
});
