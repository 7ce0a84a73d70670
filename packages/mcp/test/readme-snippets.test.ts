// The README's host snippets: each parses, names this package's built bin in the checkout (and the
// published npx form for later), and sets only variables the server reads; each is then run as
// pasted (the checkout's path and the emulator's values filled in) by the official MCP client,
// over stdio and Streamable HTTP; the quickstart host.ts runs as pasted and exits 0 on Ctrl-C.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "@internal/test-utils";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { MCP_CLI_OPTIONS } from "../src/config.js";
import { attachNotifications, channelText, isChannel, tempDir, structured } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
/** The checkout's root, for the snippets' `/path/to/molecule-sdk`. */
const CHECKOUT = resolve(here, "../../..");
const PLACEHOLDER = "/path/to/molecule-sdk";
const CHECKOUT_BIN = `${PLACEHOLDER}/packages/mcp/dist/bin.js`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});
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
      expect(e.command).toBe("node");
      expect(e.args).toEqual([CHECKOUT_BIN]);
      expect(Object.keys(e.env).sort()).toEqual([...VARS].sort());
    }
    // The published form is named for later.
    expect(readme).toContain(`\`"command": "npx", "args": ["-y",\n"${pkg.name}"]\``);
    expect(readme).toContain(`npx -y ${pkg.name}`);
  });

  it("claude mcp add names the same command and variables", () => {
    const words = snippet("claude-mcp-add").replace(/\\\n/g, " ").trim().split(/\s+/);
    expect(words.slice(0, 4)).toEqual(["claude", "mcp", "add", "molecule"]);
    const dash = words.indexOf("--");
    expect(words.slice(dash + 1)).toEqual(["node", CHECKOUT_BIN]);
    const env = words
      .slice(4, dash)
      .filter((_, i, a) => a[i - 1] === "-e")
      .map((kv) => kv.split("=")[0]);
    expect(env.sort()).toEqual([...VARS].sort());
  });

  it("the options table lists every flag of the command", () => {
    for (const o of MCP_CLI_OPTIONS) expect(readme).toContain(`\`${o.flags.split(" ")[0]}`);
  });

  it("each stdio snippet, run as pasted with its variables filled in, serves the tools and answers a peer", async () => {
    const platform = await startTestPlatform({ name: "snippet" });
    cleanups.push(() => platform.close());
    const asker = await askerOf(platform);
    for (const [name, entry] of entries()) {
      const state = tempDir();
      cleanups.push(state.remove);
      const env: Record<string, string> = {
        PATH: process.env["PATH"] ?? "",
        MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
        MOLECULE_MCP_STATE_DIR: state.dir,
        MOLECULE_LOG_LEVEL: "warn",
      };
      for (const key of Object.keys(entry.env))
        env[key] = platform.env[key as keyof typeof platform.env] ?? "";
      const client = new Client({ name: `${name}-host`, version: "1" });
      const notes = attachNotifications(client);
      await client.connect(
        new StdioClientTransport({
          command: entry.command === "node" ? process.execPath : entry.command,
          args: entry.args.map((a) => a.replace(PLACEHOLDER, CHECKOUT)),
          env,
          stderr: "pipe",
        }),
      );
      expect((await client.listTools()).tools.length).toBe(11);
      await roundTrip(platform, asker, client, notes, name);
      await client.close();
    }
  }, 120_000);

  it("the Streamable HTTP snippets, run as pasted (a free port for 8765), serve a host that answers a peer", async () => {
    const platform = await startTestPlatform({ name: "snippet-http" });
    cleanups.push(() => platform.close());
    const asker = await askerOf(platform);
    const state = tempDir();
    cleanups.push(state.remove);
    const port = String(await freePort());
    const words = snippet("http-server").replace(/\\\n/g, " ").trim().split(/\s+/);
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      MOLECULE_MCP_STATE_DIR: state.dir,
      MOLECULE_LOG_LEVEL: "warn",
    };
    let i = 0;
    for (; words[i]!.includes("="); i++) {
      const [key, value] = words[i]!.split("=") as [string, string];
      env[key] = platform.env[key as keyof typeof platform.env] ?? value;
    }
    const [command, ...args] = words.slice(i);
    expect(command).toBe("node");
    expect(args).toEqual([CHECKOUT_BIN, "--http", "8765"]);
    const child = spawn(
      process.execPath,
      args.map((a) => a.replace(PLACEHOLDER, CHECKOUT).replace("8765", port)),
      { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    });
    await new Promise<void>((ready) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("Streamable HTTP at")) ready();
      });
    });
    const json = JSON.parse(snippet("http-client")) as {
      mcpServers: { molecule: { type: string; url: string; headers: Record<string, string> } };
    };
    const server = json.mcpServers.molecule;
    expect(server.type).toBe("http");
    expect(server.headers["Authorization"]).toBe(`Bearer ${env["MOLECULE_MCP_HTTP_TOKEN"]}`);
    const client = new Client({ name: "http-host", version: "1" });
    const notes = attachNotifications(client);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url.replace("8765", port)), {
        requestInit: { headers: server.headers },
      }),
    );
    await roundTrip(platform, asker, client, notes, "http");
    await client.close();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);

  it("the quickstart host.ts runs as pasted (node host.ts in packages/mcp), answers a peer, and exits 0 on Ctrl-C", async () => {
    const platform = await startTestPlatform({ name: "quickstart" });
    cleanups.push(() => platform.close());
    const asker = await askerOf(platform);
    const code = /```ts\n(\/\/ host\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    // Inside packages/mcp, as the README says: @molecule-ai/mcp and the MCP SDK resolve there.
    const dir = mkdtempSync(join(here, "..", ".quickstart-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "host.ts"), code!);
    const state = tempDir();
    cleanups.push(state.remove);
    const child = spawn(process.execPath, ["host.ts"], {
      cwd: dir,
      env: {
        PATH: process.env["PATH"] ?? "",
        MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
        ...platform.env,
        MOLECULE_MCP_STATE_DIR: state.dir,
        MOLECULE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });
    const got = await asker.callPeer(platform.workspace.id, "hi", { timeoutMs: 60_000 });
    expect(got.status === "completed" && got.text).toContain("You said: hi");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/Error|^\s+at /m);
  }, 120_000);
});

/** A peer agent (in this process) that calls the snippet's workspace. */
async function askerOf(platform: TestPlatform): Promise<RemoteAgent> {
  const peer = await platform.addWorkspace("asker");
  const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
  await asker.start();
  cleanups.push(() => asker.stop());
  return asker;
}

/** A peer's message reaches the host (notification, read_inbox), and the host's reply the peer. */
async function roundTrip(
  platform: TestPlatform,
  asker: RemoteAgent,
  client: Client,
  notes: ReturnType<typeof attachNotifications>,
  name: string,
): Promise<void> {
  await client.callTool({ name: "workspace_info", arguments: {} }); // started
  const answer = asker.callPeer(platform.workspace.id, `hello ${name}`, { timeoutMs: 30_000 });
  await notes.next((n) => isChannel(n) && channelText(n) === `hello ${name}`);
  const read = structured<{ messages: { messageId: string; text: string }[] }>(
    await client.callTool({ name: "read_inbox", arguments: {} }),
  );
  // A new state directory starts from the server's launch (to the second): the previous
  // snippet's message may be shown again; answer this one.
  const mine = read.messages.find((m) => m.text === `hello ${name}`)!;
  await client.callTool({
    name: "reply",
    arguments: { messageId: mine.messageId, text: `hi from ${name}` },
  });
  const got = await answer;
  expect(got.status === "completed" && got.text).toContain(`hi from ${name}`);
}
