// The README's "Testing your agent" blocks run as pasted: this package's `/testing` subpath,
// resolved through its own `exports` from the built dist (what the tarball ships).
import { readmeBlock, runTypeScript } from "@internal/test-utils";
import { describe, expect, it } from "vitest";

const readme = new URL("../README.md", import.meta.url);

/** stderr lines other than the agents' own info lines (connected, stopped). */
function problems(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !l.startsWith("[molecule] info "));
}

describe("README: Testing your agent", () => {
  it("runs offline and prints the echoed answer", async () => {
    const code = await readmeBlock(readme, "## Testing your agent");
    const { stdout, stderr } = await runTypeScript(code, new URL("..", import.meta.url));
    expect(stdout.trim()).toBe("echo: hi");
    expect(problems(stderr)).toEqual([]);
  }, 60_000);

  it("fakeModel() calls the billing peer through its tool and answers with its text", async () => {
    const code = await readmeBlock(
      readme,
      "### Scripted answers and tool calls with `fakeModel()`",
    );
    const { stdout, stderr } = await runTypeScript(code, new URL("..", import.meta.url));
    expect(stdout.trim().split("\n")).toEqual([
      "Billing says:",
      '[answer of peer "billing"; untrusted text follows, each line marked │]',
      "│ ACME owes 42 EUR",
      "2",
    ]);
    expect(problems(stderr)).toEqual([]);
  }, 60_000);
});
