// The README's host snippets: each parses, names this package's command, and sets only variables
// the server reads; the server they describe (the built bin, with the snippet's variables filled
// from the emulator) then serves the tools.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { describe, expect, it } from "vitest";
import { MCP_CLI_OPTIONS } from "../src/config.js";
import { connectStdio, tempDir } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, "../README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(here, "../package.json"), "utf8")) as { name: string };

/** The fenced block right after `<!-- snippet: name -->`. */
function snippet(name: string): string {
  const m = new RegExp(`<!-- snippet: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no snippet "${name}"`);
  return m[1]!;
}

const VARS = ["MOLECULE_PLATFORM_URL", "MOLECULE_WORKSPACE_ID", "MOLECULE_WORKSPACE_TOKEN"];

interface ServerEntry {
  type?: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

function entries(): [string, ServerEntry][] {
  const out: [string, ServerEntry][] = [];
  for (const name of ["claude-code", "claude-desktop", "cursor"]) {
    const json = JSON.parse(snippet(name)) as { mcpServers: Record<string, ServerEntry> };
    out.push([name, json.mcpServers["molecule"]!]);
  }
  const vscode = JSON.parse(snippet("vscode")) as {
    servers: Record<string, ServerEntry>;
    inputs: { id: string; password?: boolean }[];
  };
  const entry = vscode.servers["molecule"]!;
  expect(entry.type).toBe("stdio");
  const input = /^\$\{input:(.+)\}$/.exec(entry.env["MOLECULE_WORKSPACE_TOKEN"]!)?.[1];
  expect(vscode.inputs.find((i) => i.id === input)?.password).toBe(true);
  out.push(["vscode", entry]);
  return out;
}

describe("README host snippets", () => {
  it("Claude Code, Claude Desktop, Cursor and VS Code run this package's bin with the MOLECULE_* variables", () => {
    const all = entries();
    expect(all.map(([n]) => n)).toEqual(["claude-code", "claude-desktop", "cursor", "vscode"]);
    for (const [, e] of all) {
      expect(e.command).toBe("npx");
      expect(e.args).toEqual(["-y", pkg.name]);
      expect(Object.keys(e.env).sort()).toEqual([...VARS].sort());
    }
  });

  it("claude mcp add names the same command and variables", () => {
    const words = snippet("claude-mcp-add").replace(/\\\n/g, " ").trim().split(/\s+/);
    expect(words.slice(0, 4)).toEqual(["claude", "mcp", "add", "molecule"]);
    const dash = words.indexOf("--");
    expect(words.slice(dash + 1)).toEqual(["npx", "-y", pkg.name]);
    const env = words
      .slice(4, dash)
      .filter((_, i, a) => a[i - 1] === "-e")
      .map((kv) => kv.split("=")[0]);
    expect(env.sort()).toEqual([...VARS].sort());
  });

  it("the options table lists every flag of the command", () => {
    for (const o of MCP_CLI_OPTIONS) expect(readme).toContain(`\`${o.flags.split(" ")[0]}`);
  });

  it("the server a snippet describes starts with its variables filled in and serves the tools", async () => {
    const platform = await startTestPlatform({ name: "snippet" });
    const state = tempDir();
    try {
      const [, entry] = entries()[0]!;
      const env: Record<string, string> = { MOLECULE_MCP_STATE_DIR: state.dir };
      for (const key of Object.keys(entry.env))
        env[key] = platform.env[key as keyof typeof platform.env];
      const mcp = await connectStdio(env); // the built bin is what `npx -y @molecule-ai/mcp` runs
      expect((await mcp.client.listTools()).tools.length).toBe(10);
      await mcp.close();
    } finally {
      state.remove();
      await platform.close();
    }
  });
});
