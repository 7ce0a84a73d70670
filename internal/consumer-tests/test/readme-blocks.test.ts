// Docs as tests: every TypeScript block of the root, package and example READMEs is type-checked
// (TypeScript 7, strict, NodeNext) against the packed packages, as a user pastes it into a project.
// A partial block states its context in an HTML comment before it (see @internal/test-utils readme-blocks.ts); the
// NestJS README is checked as a default CommonJS Nest app (no top-level await there).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsumerProject, repo, runTsc } from "./consumer-project.js";
import type { ConsumerProject } from "./consumer-project.js";
import { extractBlocks, projectFiles } from "@internal/test-utils";
import type { ProjectFile } from "@internal/test-utils";

/** The READMEs a user reads: the root's, each package's, each example's, the benchmarks', the docs and guides. */
const readmes = [
  "README.md",
  ...["packages", "examples"].flatMap((dir) =>
    readdirSync(join(repo, dir))
      .map((name) => `${dir}/${name}/README.md`)
      .filter((file) => existsSync(join(repo, file))),
  ),
  "bench/README.md",
  ...readdirSync(join(repo, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
  ...readdirSync(join(repo, "docs/guides"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/guides/${name}`),
];

/** READMEs checked as a CommonJS package (how `nest new` sets an app up). */
const commonjs = new Set(["packages/nestjs/README.md"]);

/** What README code imports beyond the adapters' peers (linked from this package's devDependencies). */
const readmeDependencies = [
  "@ai-sdk/openai",
  "@ai-sdk/otel",
  "@langchain/openai",
  "@nestjs/config",
  "@nestjs/platform-express",
  "@nestjs/platform-fastify",
  "@nestjs/terminus",
  "@nestjs/testing",
  "@opentelemetry/api",
  "@opentelemetry/sdk-trace-node",
  "@types/express",
  "express",
  "hono",
  "vitest",
  "@example/demo",
  "@example/nestjs-app",
  "@example/langchain-agent",
  "@example/ai-sdk-agent",
  "@example/quickstart",
];

let consumer: ConsumerProject;

beforeAll(() => {
  consumer = createConsumerProject("readme-consumer");
  for (const dep of readmeDependencies) consumer.link(dep);
});

afterAll(() => consumer?.dispose());

/** Writes one README's blocks as a project folder with its own tsconfig; returns its folder. */
function writeProject(slug: string, files: ProjectFile[], type: "module" | "commonjs"): string {
  const dir = join(consumer.dir, "readmes", slug);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type }));
  for (const file of files) writeFileSync(join(dir, file.name), file.text);
  const compilerOptions = {
    target: "es2023",
    lib: ["es2023"],
    module: "nodenext",
    moduleResolution: "nodenext",
    types: ["node"],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    forceConsistentCasingInFileNames: true,
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  return dir;
}

/** The README line a problem names (0 for a context line). */
const lineOf = (problem: string): number => Number(/^[^:]+:(\d+):/.exec(problem)?.[1] ?? 0);

/** Type-checks `markdown`'s blocks; returns each diagnostic as `<readme>:<line>: TSxxxx: ...`. */
function check(readme: string, markdown: string, type: "module" | "commonjs"): string[] {
  const files = projectFiles(extractBlocks(markdown));
  if (files.length === 0) return [];
  const slug = `${readme.replace(/[^\w]+/g, "-")}-${type}`;
  const dir = writeProject(slug, files, type);
  const run = runTsc("typescript", dir, "tsconfig.json");
  const byName = new Map(files.map((f) => [f.name, f]));
  const problems = run.diagnostics.map((d) => {
    const file = byName.get(relative(dir, join(dir, d.file)));
    const line = file?.sourceLines[d.line - 1];
    if (!file) return `${d.file}:${d.line}: ${d.message}`;
    return line
      ? `${readme}:${line}: ${d.message}`
      : `${readme} (context of ${file.name}): ${d.message}`;
  });
  if (run.status !== 0 && problems.length === 0) problems.push(...run.global, run.output);
  return problems.sort((a, b) => lineOf(a) - lineOf(b));
}

describe("the README check itself", () => {
  it("reports a broken block at its README line, and a stated context makes a partial block pass", () => {
    const readme = [
      "# Example",
      "",
      "```ts",
      'import { PlatformClient } from "@molecule-ai/agent-core";',
      'const client = new PlatformClient({ platformUrl: "http://127.0.0.1:1" });',
      "```",
      "",
      "<!-- context",
      'import type { PlatformClient } from "@molecule-ai/agent-core";',
      "declare const client: PlatformClient;",
      "-->",
      "",
      "```ts",
      "const id: string = client.workspaceId;",
      "```",
      "",
      "```typescript",
      "client.noSuchMethod();",
      "```",
    ].join("\n");
    const problems = check("SELF-TEST.md", readme, "module");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^SELF-TEST\.md:5: TS\d+: .*workspaceId/);
    expect(problems[1]).toMatch(/^SELF-TEST\.md:18: TS2304: Cannot find name 'client'/);
  });

  it("leaves code shown inside a longer fence alone", () => {
    const readme = ["````md", "```ts", "this is not checked;", "```", "````"].join("\n");
    expect(extractBlocks(readme)).toEqual([]);
  });

  it("checks a CommonJS README as CommonJS (top-level await is an error there)", () => {
    const readme = ["```ts", "// main.ts", "await Promise.resolve(1);", "```"].join("\n");
    expect(check("CJS-SELF-TEST.md", readme, "commonjs")).toEqual([
      expect.stringMatching(/^CJS-SELF-TEST\.md:3: TS1309: .*cannot use 'await' at the top level/),
    ]);
    expect(check("ESM-SELF-TEST.md", readme, "module")).toEqual([]);
  });
});

describe.each(readmes)("%s", (readme) => {
  it("every TypeScript block type-checks against the packed packages", () => {
    const markdown = readFileSync(join(repo, readme), "utf8");
    expect(check(readme, markdown, commonjs.has(readme) ? "commonjs" : "module")).toEqual([]);
  });
});

// NestJS 12 is ESM itself and an app may be too (`"type": "module"`): the README is checked as
// such an app as well, so its snippets paste into both kinds (relative imports name `.js` files,
// no top-level await).
describe("packages/nestjs/README.md as a NestJS 12 ESM app", () => {
  it("every TypeScript block type-checks against the packed packages", () => {
    const readme = "packages/nestjs/README.md";
    expect(check(readme, readFileSync(join(repo, readme), "utf8"), "module")).toEqual([]);
  });
});
