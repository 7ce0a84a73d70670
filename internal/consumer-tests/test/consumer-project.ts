// One throwaway consumer project holding the packed tarballs of every published package (exactly
// what npm would ship) beside the frameworks an application brings itself. Shared by the type
// matrix (types.test.ts) and the README code check (readme-blocks.test.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packPackage, unpackInto } from "@internal/test-utils";
import type { PackedPackage } from "@internal/test-utils";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "../../..");
const require = createRequire(import.meta.url);

/** The published packages and the type-matrix fixtures that consume each. */
export const publishedPackages = [
  { name: "@molecule-ai/agent-core", dir: "core", fixtures: ["core.ts", "core-cjs.cts"] },
  {
    name: "@molecule-ai/platform-emulator",
    dir: "platform-emulator",
    fixtures: ["platform-emulator.ts"],
  },
  { name: "@molecule-ai/langchain", dir: "langchain", fixtures: ["langchain.ts"] },
  { name: "@molecule-ai/ai-sdk", dir: "ai-sdk", fixtures: ["ai-sdk.ts"] },
  { name: "@molecule-ai/nestjs", dir: "nestjs", fixtures: ["nestjs.ts"] },
  { name: "@molecule-ai/postgres", dir: "postgres", fixtures: ["postgres.ts"] },
  { name: "@molecule-ai/mcp", dir: "mcp", fixtures: ["mcp.ts"] },
  { name: "@molecule-ai/openai-agents", dir: "openai-agents", fixtures: ["openai-agents.ts"] },
  { name: "@molecule-ai/grpc", dir: "grpc", fixtures: ["grpc.ts"] },
] as const;

/**
 * What an application brings itself: the adapters' peer dependencies, Node's types, and the MCP
 * client a host built on @molecule-ai/mcp installs (the v1 SDK or the v2 client: the packed mcp
 * depends on the v2 server only, so a consumer that imports a client must install it).
 */
const appDependencies = [
  "@langchain/core",
  "@langchain/langgraph",
  "langchain",
  "ai",
  "zod",
  "@nestjs/common",
  "@nestjs/core",
  "reflect-metadata",
  "rxjs",
  "@openai/agents",
  "@modelcontextprotocol/sdk",
  "@modelcontextprotocol/client",
  "@types/node",
];

/** A consumer project: its folder and the tarballs in it. */
export interface ConsumerProject {
  dir: string;
  /** Links more of this package's (devDependencies) `node_modules` entries into the project. */
  link(name: string): void;
  dispose(): void;
}

/** Links `name` from `fromDir`'s node_modules into `project` unless it already has it. */
function linkDependency(project: string, name: string, fromDir: string): void {
  const at = join(project, "node_modules", name);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(realpathSync(join(fromDir, "node_modules", name)), at, "dir");
}

/** Unpacks one more tarball into the project (beside the first) with its missing dependencies. */
function addPacked(project: string, pkg: PackedPackage): void {
  const installed = join(project, "node_modules", pkg.name);
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", pkg.tarball, "-C", installed, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    linkDependency(project, dep, pkg.dir);
  }
}

/** Packs every published package and builds the project `<tmp>/<name>` (an ESM package). */
export function createConsumerProject(name: string): ConsumerProject {
  const packed: PackedPackage[] = [];
  try {
    for (const pkg of publishedPackages) {
      packed.push(packPackage(join(repo, "packages", pkg.dir), "molecule-types-"));
    }
    const [core, ...rest] = packed;
    const dir = unpackInto(core!, name, "module");
    for (const pkg of rest) addPacked(dir, pkg);
    const consumerTests = join(here, "..");
    for (const dep of appDependencies) linkDependency(dir, dep, consumerTests);
    return {
      dir,
      link: (dep) => linkDependency(dir, dep, consumerTests),
      dispose: () => {
        for (const pkg of packed) pkg.dispose();
      },
    };
  } catch (error) {
    for (const pkg of packed) pkg.dispose();
    throw error;
  }
}

/** The result of one compiler run. */
export interface TscRun {
  status: number | null;
  /** Every `file(line,col): error TSxxxx: message` diagnostic, continuation lines joined. */
  diagnostics: { file: string; line: number; message: string }[];
  /** Diagnostics without a file (`error TS5xxx: ...`). */
  global: string[];
  /** The files in the program (`--listFiles`). */
  files: string[];
  output: string;
}

/** Runs the `tsc` of the compiler package `from` (e.g. "typescript") over `project`. */
export function runTsc(from: string, project: string, tsconfig: string): TscRun {
  const tsc = join(dirname(require.resolve(`${from}/package.json`)), "bin", "tsc");
  const run = spawnSync(
    process.execPath,
    [tsc, "-p", tsconfig, "--pretty", "false", "--listFiles"],
    { cwd: project, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const output = `${run.stdout}${run.stderr}`;
  const result: TscRun = { status: run.status, diagnostics: [], global: [], files: [], output };
  let last: TscRun["diagnostics"][number] | undefined;
  for (const line of output.split("\n")) {
    const diagnostic = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    const global = /^error (TS\d+: .*)$/.exec(line);
    if (diagnostic) {
      last = { file: diagnostic[1]!, line: Number(diagnostic[2]), message: diagnostic[3]! };
      result.diagnostics.push(last);
    } else if (global) {
      result.global.push(global[1]!);
      last = undefined;
    } else if (/^\s+\S/.test(line) && last) {
      last.message += ` ${line.trim()}`; // a message's continuation line
    } else if (line.startsWith("/")) {
      result.files.push(line.trim());
      last = undefined;
    }
  }
  return result;
}
