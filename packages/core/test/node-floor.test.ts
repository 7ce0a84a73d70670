// On a Node.js older than the floor (22.19), the SDK refuses at its first step with one line that
// names the fix, instead of an error of undici 8 (its HTTP client) at the first request. Spawned on
// the machine's old Node when it has one (see @internal/test-utils oldNode).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { oldNode } from "@internal/test-utils";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const entry = new URL("../dist/index.js", import.meta.url).href;

/** Runs `body` (ESM, with `core` imported) on the old Node; resolves with its stdout and stderr. */
async function onOldNode(body: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const node = oldNode();
  const script = `import * as core from ${JSON.stringify(entry)};\n${body}`;
  try {
    const { stdout, stderr } = await run(
      node.command,
      [...node.args, "--input-type=module", "-e", script],
      { timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe(`on Node ${oldNode().version} (older than the 22.19 floor)`, () => {
  it("building a client throws unsupported_node, one line naming the fix", async () => {
    const out = await onOldNode(`
      try {
        new core.PlatformClient({ platformUrl: "http://127.0.0.1:9", workspaceId: "00000000-0000-4000-8000-000000000001", token: "t" });
        console.log("built");
      } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
    `);
    expect(out.stderr).toBe("");
    const { code, message } = JSON.parse(out.stdout) as { code: string; message: string };
    expect(code).toBe("unsupported_node");
    expect(message).toBe(
      `@molecule-ai/agent-core needs Node.js >= 22.19 (this is ${oldNode().version}): install a newer Node (for example 24 LTS) and run it again`,
    );
  });

  it("a quickstart-style script fails at start with that line, never an undici error", async () => {
    const out = await onOldNode(`
      const client = new core.PlatformClient({ platformUrl: "http://127.0.0.1:9", workspaceId: "00000000-0000-4000-8000-000000000001", token: "t" });
      const agent = new core.RemoteAgent({ client, handler: () => "hi" });
      await agent.start();
    `);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain("needs Node.js >= 22.19");
    expect(out.stderr).not.toMatch(/undici/i);
  });
});
