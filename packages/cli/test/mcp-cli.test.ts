// `molecule-agent mcp`: the options of @molecule-ai/mcp in --help, and the server itself run by the
// CLI's bin with the official MCP client over stdio against the emulator.
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { MCP_CLI_OPTIONS } from "@molecule-ai/mcp";
import { describe, expect, it } from "vitest";
import { BIN } from "./connect-helpers.js";

describe("molecule-agent mcp", () => {
  it("--help lists every option", () => {
    const r = spawnSync(process.execPath, [BIN, "mcp", "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(MCP_CLI_OPTIONS.length).toBeGreaterThanOrEqual(8);
    for (const option of MCP_CLI_OPTIONS) expect(r.stdout).toContain(option.flags);
  });

  it("serves the workspace's tools over stdio and exits when stdin closes", async () => {
    const platform = await startTestPlatform({ name: "cli-host" });
    const state = mkdtempSync(join(tmpdir(), "cli-mcp-"));
    try {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BIN, "mcp"],
        env: {
          PATH: process.env["PATH"] ?? "",
          MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
          ...platform.env,
          MOLECULE_MCP_STATE_DIR: state,
        },
        stderr: "pipe",
      });
      const client = new Client({ name: "cli-test", version: "1" });
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("call_peer");
      // Ended as a host ends it, and waited for without a clock: it exits by itself, code 0 (a
      // server that did not would hang here, or die by the SDK's SIGTERM 2 s into close()).
      // oxlint-disable-next-line no-underscore-dangle -- the SDK keeps the child process private
      const child = (transport as unknown as { _process?: ChildProcess })._process!;
      const exited = new Promise((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
      );
      child.stdin!.end();
      expect(await exited).toEqual({ code: 0, signal: null });
      await client.close();
    } finally {
      rmSync(state, { recursive: true, force: true });
      await platform.close();
    }
  });
});
