// Each adapter's README quickstart, run as a user pastes it: the blocks under "## Quickstart" are
// written into a project that has the packed packages installed, started with `node` and the
// environment the README documents (MOLECULE_PLATFORM_URL, MOLECULE_WORKSPACE_ID,
// MOLECULE_WORKSPACE_TOKEN, PORT) against the platform emulator, and asked a question by another
// workspace, which must get the answer. Offline, the model the quickstart names resolves to the
// adapter's deterministic echo model through a preload (fixtures/offline); the NestJS quickstart
// needs no model and is compiled as a default CommonJS Nest app (its decorators need tsc).
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform, type TestPlatform } from "@molecule-ai/agent-core/testing";
import { freePort, waitFor } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createConsumerProject, repo, runTsc } from "./consumer-project.js";
import type { ConsumerProject } from "./consumer-project.js";
import { projectFiles, quickstartBlocks } from "@internal/test-utils";

const offline = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/offline");

let consumer: ConsumerProject;
const running: { child: ChildProcess; platform: TestPlatform; asker?: RemoteAgent }[] = [];

beforeAll(() => {
  consumer = createConsumerProject("quickstart-consumer");
  consumer.link("@langchain/openai"); // the quickstart's provider (swapped for the echo model)
  for (const file of readdirSync(offline))
    copyFileSync(join(offline, file), join(consumer.dir, file));
});

afterEach(async () => {
  for (const { child, platform, asker } of running.splice(0)) {
    await asker?.stop();
    await stopChild(child);
    await platform.close();
  }
});

afterAll(() => consumer?.dispose());

/** SIGINT (the quickstarts stop on it), then SIGKILL if it has not exited within 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Writes the README's quickstart blocks into `quickstarts/<name>/`; returns the folder. */
function writeQuickstart(
  readme: string,
  type: "module" | "commonjs",
): { dir: string; files: string[] } {
  const blocks = quickstartBlocks(readFileSync(join(repo, readme), "utf8"));
  const files = projectFiles(blocks);
  const dir = join(consumer.dir, "quickstarts", readme.split("/")[1]!);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type }));
  for (const file of files) writeFileSync(join(dir, file.name), file.text);
  return { dir, files: files.map((f) => f.name) };
}

/**
 * Starts the emulator with the quickstart's workspace, runs `args` with its documented env, waits
 * for the workspace to come online, and asks it `question` from a second workspace.
 */
async function askQuickstart(
  cwd: string,
  args: string[],
  question: string,
  extraEnv: Record<string, string> = {},
): Promise<{ text: string; output: () => string }> {
  const platform = await startTestPlatform({ name: "quickstart" });
  const env = { ...process.env, ...platform.env, PORT: String(await freePort()), ...extraEnv };
  let output = "";
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const entry: (typeof running)[number] = { child, platform };
  running.push(entry);
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the quickstart exited (${code}):\n${output}`))),
  );
  exited.catch(() => {});
  const id = platform.workspace.id;
  await Promise.race([
    waitFor(async () => (await platform.emulator.admin.getWorkspace(id)).status === "online", {
      timeoutMs: 60_000,
    }),
    exited,
  ]);
  const asker = await platform.addWorkspace("asker");
  entry.asker = new RemoteAgent({ client: asker.client(), handler: () => undefined });
  await entry.asker.start();
  const answer = await Promise.race([
    entry.asker.callPeer(id, question, { timeoutMs: 60_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- the quickstart's output:\n${output}`);
    }),
    exited,
  ]);
  if (answer.status !== "completed") {
    throw new Error(`expected an answer, got ${answer.status}:\n${output}`);
  }
  return { text: answer.text, output: () => output };
}

describe("README quickstarts, run against the emulator", () => {
  it("@molecule-ai/ai-sdk: the agent answers a peer (echo model for openai/gpt-5)", async () => {
    const { dir, files } = writeQuickstart("packages/ai-sdk/README.md", "module");
    const script = files.find((f) => !f.includes("/")) ?? files[0]!;
    const preload = join(consumer.dir, "ai-sdk-echo-model.mjs");
    const { text } = await askQuickstart(dir, ["--import", preload, script], "ping from the asker");
    expect(text).toContain("ping from the asker");
  });

  it("@molecule-ai/langchain: the agent answers a peer (echo model for openai:gpt-5)", async () => {
    const { dir, files } = writeQuickstart("packages/langchain/README.md", "module");
    const preload = join(consumer.dir, "langchain-echo-model.mjs");
    const { text } = await askQuickstart(
      dir,
      ["--import", preload, files[0]!],
      "ping from the asker",
    );
    expect(text).toContain("ping from the asker");
  });

  it("@molecule-ai/nestjs: the app answers a peer (compiled as a CommonJS Nest app)", async () => {
    const { dir } = writeQuickstart("packages/nestjs/README.md", "commonjs");
    const compilerOptions = {
      target: "es2023",
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
      strict: true,
      skipLibCheck: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      outDir: "dist",
    };
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions, include: ["*.ts"] }),
    );
    const tsc = runTsc("typescript", dir, "tsconfig.json");
    expect(tsc.diagnostics).toEqual([]);
    const { text } = await askQuickstart(dir, ["dist/main.js"], "ping from the asker");
    expect(text).toBe("You said: ping from the asker");
  });

  it("@molecule-ai/mcp: a minimal MCP host answers a peer through the server's tools", async () => {
    const { dir, files } = writeQuickstart("packages/mcp/README.md", "module");
    // Unread messages are kept in the state directory: inside the throwaway project, not in ~.
    const { text } = await askQuickstart(dir, [files[0]!], "ping from the asker", {
      MOLECULE_MCP_STATE_DIR: join(dir, ".molecule"),
    });
    expect(text).toBe("You said: ping from the asker");
  });
});
