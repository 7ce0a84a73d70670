// The built example run offline as a user runs it: the host (official MCP client) spawns
// molecule-mcp, and a second workspace's message is answered through the server's tools.
import { runExample } from "@example/shared/testing";
import { describe, expect, it } from "vitest";

describe("node dist/main.js (offline)", () => {
  it("answers Alice's message through molecule-mcp and exits 0", async () => {
    const run = await runExample(new URL("../dist/main.js", import.meta.url));
    expect(run.stdout).toContain("Alice -> Host: Hello, Molecule!");
    expect(run.stdout).toContain("Host -> Alice: You said: Hello, Molecule!");
    expect(run.stdout).toContain("done");
    expect(run.code).toBe(0);
  }, 60_000);
});
