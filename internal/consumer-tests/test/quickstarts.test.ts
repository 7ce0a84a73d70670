// Each adapter's README quickstart, run as a user pastes it: the blocks under "## Quickstart" are
// written into a project that has the packed packages installed, started with `node` and the
// environment the README documents (MOLECULE_PLATFORM_URL, MOLECULE_WORKSPACE_ID,
// MOLECULE_WORKSPACE_TOKEN, PORT) against the platform emulator, and asked a question by another
// workspace, which must get the answer. Offline, the model the quickstart names resolves to the
// adapter's deterministic echo model through a preload (fixtures/offline); the NestJS quickstart
// needs no model and is compiled as a default CommonJS Nest app (its decorators need tsc).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import type * as TypeScript from "typescript60";
import { fileURLToPath } from "node:url";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform, type TestPlatform } from "@molecule-ai/agent-core/testing";
import { freePort, oldNode, waitFor } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createConsumerProject, repo, runTsc } from "./consumer-project.js";
import type { ConsumerProject } from "./consumer-project.js";
import { projectFiles, quickstartBlocks } from "@internal/test-utils";

const offline = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/offline");
const require = createRequire(import.meta.url);

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
  const dir = join(consumer.dir, "quickstarts", `${readme.split("/")[1]!}-${type}`);
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

/**
 * Runs `args` in `cwd` with the documented env (minus `unset`, plus `extraEnv`) with `node` (this
 * Node by default) until it exits by itself; resolves with its exit code and output.
 */
async function runToExit(
  cwd: string,
  args: string[],
  options: { unset?: string[]; extraEnv?: Record<string, string>; node?: string[] } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const platform = await startTestPlatform({ name: "quickstart" });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...platform.env, ...options.extraEnv };
    for (const name of options.unset ?? []) delete env[name];
    const [command, ...pre] = options.node ?? [process.execPath];
    const child = spawn(command!, [...pre, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    await platform.close();
  }
}

/** Writes the NestJS README's quickstart and compiles it with tsc as a `type` Nest app; returns its folder. */
function compileNestQuickstart(type: "module" | "commonjs"): string {
  const { dir } = writeQuickstart("packages/nestjs/README.md", type);
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
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  const tsc = runTsc("typescript", dir, "tsconfig.json");
  expect(tsc.diagnostics).toEqual([]);
  return dir;
}

/** What the quickstart printed on stderr, which must be one line (no stack trace): that line. */
function errorLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, `one line on stderr, not:\n${stderr}`).toHaveLength(1);
  return lines[0]!;
}

describe("README quickstarts fail at start with one line naming the fix", () => {
  it("@molecule-ai/ai-sdk without an AI Gateway key: model_unresolvable, before it connects", async () => {
    const { dir, files } = writeQuickstart("packages/ai-sdk/README.md", "module");
    const script = files.find((f) => !f.includes("/")) ?? files[0]!;
    const run = await runToExit(dir, [script], {
      unset: ["AI_GATEWAY_API_KEY", "VERCEL_OIDC_TOKEN"],
    });
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain("connected");
    expect(errorLine(run.stderr)).toBe(
      'MoleculeError: createPeerMessageHandler: the agent\'s model "openai/gpt-5" is an AI Gateway model id and the AI Gateway has no credential here: set AI_GATEWAY_API_KEY (or VERCEL_OIDC_TOKEN, e.g. with `vercel env pull`), or give the agent a provider\'s model instance (e.g. openai("gpt-5") from @ai-sdk/openai)',
    );
  });

  it.each([
    ["packages/langchain/README.md", "ChatOpenAI"],
    ["packages/openai-agents/README.md", "model"],
  ])(
    "%s without OPENAI_API_KEY: model_key_missing naming the variable, before it connects",
    async (readme, kind) => {
      const { dir, files } = writeQuickstart(readme, "module");
      // The real provider (no offline preload): initChatModel's ChatOpenAI, the SDK's OpenAIProvider.
      const run = await runToExit(dir, [files[0]!], { unset: ["OPENAI_API_KEY"] });
      expect(run.code).not.toBe(0);
      expect(run.stdout).not.toContain("connected");
      expect(errorLine(run.stderr)).toMatch(
        new RegExp(
          `^MoleculeError: createPeerMessageHandler: the agent's ${kind} has no (OpenAI )?API key: set OPENAI_API_KEY `,
        ),
      );
    },
  );

  it(`@molecule-ai/ai-sdk on Node ${oldNode().version}: "needs Node.js >= 22.19", no undici error`, async () => {
    const { dir, files } = writeQuickstart("packages/ai-sdk/README.md", "module");
    const script = files.find((f) => !f.includes("/")) ?? files[0]!;
    const preload = join(consumer.dir, "ai-sdk-echo-model.mjs");
    const node = oldNode();
    // Node 20 cannot run a .ts file (a user there runs it with tsx): run it type-stripped.
    const ts = require("typescript60") as typeof TypeScript;
    const js = ts.transpileModule(readFileSync(join(dir, script), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(dir, "agent-stripped.mjs"), js);
    const run = await runToExit(dir, ["--import", preload, "agent-stripped.mjs"], {
      node: [node.command, ...node.args],
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).not.toMatch(/undici/i);
    expect(errorLine(run.stderr)).toBe(
      `MoleculeError: @molecule-ai/agent-core needs Node.js >= 22.19 (this is ${node.version}): install a newer Node (for example 24 LTS) and run it again`,
    );
  });

  it("@molecule-ai/ai-sdk without MOLECULE_PLATFORM_URL: the variable is named", async () => {
    const { dir, files } = writeQuickstart("packages/ai-sdk/README.md", "module");
    const script = files.find((f) => !f.includes("/")) ?? files[0]!;
    const preload = join(consumer.dir, "ai-sdk-echo-model.mjs");
    const run = await runToExit(dir, ["--import", preload, script], {
      unset: ["MOLECULE_PLATFORM_URL"],
    });
    expect(run.code).not.toBe(0);
    expect(errorLine(run.stderr)).toBe(
      'MoleculeError: platformUrl is missing: set MOLECULE_PLATFORM_URL (or pass platformUrl) to the platform\'s base URL, such as "https://acme.moleculesai.app" (the canvas or the platform emulator shows it)',
    );
  });
});

describe("@molecule-ai/agent-core's README quickstart fails at start with one line on stderr", () => {
  it("without MOLECULE_WORKSPACE_ID: the variable is named, exit code 1", async () => {
    const { dir, files } = writeQuickstart("packages/core/README.md", "module");
    const run = await runToExit(dir, [files[0]!], { unset: ["MOLECULE_WORKSPACE_ID"] });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(/^MoleculeError: .*MOLECULE_WORKSPACE_ID/);
    expect(run.stdout).not.toContain("connected");
  });

  it("without MOLECULE_WORKSPACE_TOKEN: the platform's 401, naming MOLECULE_WORKSPACE_TOKEN", async () => {
    const { dir, files } = writeQuickstart("packages/core/README.md", "module");
    const run = await runToExit(dir, [files[0]!], { unset: ["MOLECULE_WORKSPACE_TOKEN"] });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(
      /^the platform rejected the workspace token \(401\): set MOLECULE_WORKSPACE_TOKEN /,
    );
  });
});

describe("@molecule-ai/nestjs's README quickstart fails at start with one line on stderr", () => {
  it("without MOLECULE_PLATFORM_URL: the variable is named, not a trace through Nest's injector", async () => {
    const dir = compileNestQuickstart("commonjs");
    const run = await runToExit(dir, ["dist/main.js"], {
      unset: ["MOLECULE_PLATFORM_URL"],
      extraEnv: { NO_COLOR: "1", PORT: "0" },
    });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(
      /ERROR \[ExceptionHandler\] MoleculeAgentConfigError: MoleculeAgentModule: `platformUrl` is missing: .*MOLECULE_PLATFORM_URL/,
    );
  });

  it("with a wrong token: the platform's 401, naming MOLECULE_WORKSPACE_TOKEN", async () => {
    const dir = compileNestQuickstart("commonjs");
    const run = await runToExit(dir, ["dist/main.js"], {
      extraEnv: { MOLECULE_WORKSPACE_TOKEN: "not-the-token", NO_COLOR: "1", PORT: "0" },
    });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(
      /^the platform rejected the workspace token \(401\): set MOLECULE_WORKSPACE_TOKEN /,
    );
  });

  it("with a URL nothing listens on: the URL is named, after the start's retries (as core's quickstart)", async () => {
    const dir = compileNestQuickstart("commonjs");
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runToExit(dir, ["dist/main.js"], {
      extraEnv: { MOLECULE_PLATFORM_URL: url, NO_COLOR: "1", PORT: "0" },
    });
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toBe(
      `could not reach the platform at ${url}: check MOLECULE_PLATFORM_URL and that the platform is running`,
    );
  });
});

/** The `nest new` app's files (Nest CLI 11: tsconfig, test/jest-e2e.json), the README's app module and an e2e test. */
function nestNewApp(dir: string, scripts: Record<string, string>): void {
  const readme = readFileSync(join(repo, "packages/nestjs/README.md"), "utf8");
  const appModule = projectFiles(quickstartBlocks(readme)).find((f) => f.name === "app.module.ts")!;
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "test"), { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "nest-app", private: true, scripts }),
  );
  writeFileSync(join(dir, "src/app.module.ts"), appModule.text);
  const compilerOptions = {
    module: "nodenext",
    moduleResolution: "nodenext",
    resolvePackageJsonExports: true,
    esModuleInterop: true,
    isolatedModules: true,
    declaration: true,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: "ES2023",
    sourceMap: true,
    outDir: "./dist",
    baseUrl: "./",
    incremental: true,
    skipLibCheck: true,
    strictNullChecks: true,
    forceConsistentCasingInFileNames: true,
    noImplicitAny: false,
    strictBindCallApply: false,
    noFallthroughCasesInSwitch: false,
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions }));
  const jestE2e = {
    moduleFileExtensions: ["js", "json", "ts"],
    rootDir: ".",
    testEnvironment: "node",
    testRegex: ".e2e-spec.ts$",
    transform: { "^.+\\.(t|j)s$": "ts-jest" },
  };
  writeFileSync(join(dir, "test/jest-e2e.json"), JSON.stringify(jestE2e));
  // The README's "Testing your app" test, with the emulator it names.
  writeFileSync(
    join(dir, "test/app.e2e-spec.ts"),
    `import { Test } from "@nestjs/testing";
import { MoleculeAgentModule } from "@molecule-ai/nestjs";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { EchoAgent } from "../src/app.module";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

it("answers a peer", async () => {
  const ws = await emu.admin.createWorkspace({ name: "app" });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token }),
    ],
    providers: [EchoAgent],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  const peer = await emu.admin.createWorkspace({ name: "asker" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: peer.id, token: peer.token });
  const asker = new RemoteAgent({ client, handler: () => undefined, logger: {} });
  await asker.start();
  expect((await asker.callPeer(ws.id, "ping", { timeoutMs: 30_000 })).text).toBe("You said: ping");
  await asker.stop();
  await app.close();
});
`,
  );
}

describe("@molecule-ai/nestjs's Jest set-up (README: Testing your app, With Jest)", () => {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  it.skipIf(major < 24 || (major === 24 && minor < 9))(
    "a `nest new` app's e2e test (ts-jest, CommonJS) imports the ES module packages and passes, run as the README's test:e2e script",
    async () => {
      const readme = readFileSync(join(repo, "packages/nestjs/README.md"), "utf8");
      const section = readme.slice(readme.indexOf("### With Jest"));
      const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
      const { scripts } = JSON.parse(json) as { scripts: Record<string, string> };
      const dir = join(consumer.dir, "nest-jest-app");
      nestNewApp(dir, scripts);
      for (const dep of ["jest", "ts-jest", "@types/jest", "@nestjs/testing"]) {
        const at = join(dir, "node_modules", dep);
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(
          realpathSync(join(repo, "internal/consumer-tests/node_modules", dep)),
          at,
          "dir",
        );
      }
      const [node, ...args] = scripts["test:e2e"]!.split(" ");
      expect(node).toBe("node");
      const run = spawnSync(process.execPath, args, {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, MOLECULE_STATE_DIR: join(dir, ".molecule"), NO_COLOR: "1" },
        timeout: 120_000,
      });
      const output = `${run.stdout}${run.stderr}`;
      expect(output).not.toContain("Must use import to load ES Module");
      expect(output).toMatch(/Tests:\s+1 passed, 1 total/);
      expect(run.status).toBe(0);
    },
  );
});

describe("README quickstarts, run against the emulator", () => {
  it("@molecule-ai/agent-core: the agent answers a peer, with the README's defaults", async () => {
    const { dir, files } = writeQuickstart("packages/core/README.md", "module");
    // The default state folder: inside the throwaway project, not in ~.
    const { text } = await askQuickstart(dir, [files[0]!], "ping from the asker", {
      MOLECULE_STATE_DIR: join(dir, ".molecule"),
    });
    expect(text).toBe("You said: ping from the asker");
  });

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

  it("@molecule-ai/openai-agents: the agent answers a peer (echo model for gpt-5)", async () => {
    const { dir, files } = writeQuickstart("packages/openai-agents/README.md", "module");
    const preload = join(consumer.dir, "openai-agents-echo-model.mjs");
    const { text } = await askQuickstart(
      dir,
      ["--import", preload, files[0]!],
      "ping from the asker",
    );
    expect(text).toBe("You said: ping from the asker");
  });

  it.each(["commonjs", "module"] as const)(
    "@molecule-ai/nestjs: the app answers a peer (compiled as a %s Nest app)",
    async (type) => {
      const dir = compileNestQuickstart(type);
      const { text } = await askQuickstart(dir, ["dist/main.js"], "ping from the asker");
      expect(text).toBe("You said: ping from the asker");
    },
  );

  it("@molecule-ai/mcp: a minimal MCP host answers a peer through the server's tools", async () => {
    const { dir, files } = writeQuickstart("packages/mcp/README.md", "module");
    // Unread messages are kept in the state directory: inside the throwaway project, not in ~.
    const { text } = await askQuickstart(dir, [files[0]!], "ping from the asker", {
      MOLECULE_MCP_STATE_DIR: join(dir, ".molecule"),
    });
    expect(text).toBe("You said: ping from the asker");
  });
});
