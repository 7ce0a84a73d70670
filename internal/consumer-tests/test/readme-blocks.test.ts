// Docs as tests: every TypeScript block of the root, package and example READMEs is type-checked
// (TypeScript 7, strict, NodeNext) against the packed packages, as a user pastes it into a project.
// A partial block states its context in an HTML comment before it (see @internal/test-utils readme-blocks.ts); the
// NestJS README is checked as a default CommonJS Nest app (no top-level await there).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
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

/** A README to check: its path (or a self-test's name), its text and the kind of package it pastes into. */
interface Readme {
  readme: string;
  markdown: string;
  type: "module" | "commonjs";
}

/** Each README's blocks as a folder of `readmes/` with the package.json of its kind; its files. */
function writeProject(dir: string, files: ProjectFile[], type: Readme["type"]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type }));
  for (const file of files) writeFileSync(join(dir, file.name), file.text);
}

/** The README line a problem names (0 for a context line). */
const lineOf = (problem: string): number => Number(/^[^:]+:(\d+):/.exec(problem)?.[1] ?? 0);

let batches = 0;

/**
 * Type-checks the blocks of `readmes` in one compiler run (the run's start-up was most of each
 * README's check): each README is a folder of its own (its package.json says ESM or CommonJS, each
 * block is a module), and each diagnostic is mapped back to its README. One program: a README's
 * `declare global` would reach the others (none has one). Returns, per README, each diagnostic as
 * `<readme>:<line>: TSxxxx: ...`.
 */
function checkAll(readmes: Readme[]): Map<string, string[]> {
  const root = join(consumer.dir, "readmes", String(batches++));
  const projects = readmes.map(({ readme, markdown, type }) => {
    const files = projectFiles(extractBlocks(markdown));
    const slug = `${readme.replace(/[^\w]+/g, "-")}-${type}`;
    if (files.length > 0) writeProject(join(root, slug), files, type);
    return { readme, slug, byName: new Map(files.map((f) => [f.name, f])) };
  });
  const result = new Map(readmes.map((r) => [r.readme, [] as string[]]));
  if (!projects.some((p) => p.byName.size > 0)) return result;
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
  writeFileSync(
    join(root, "tsconfig.json"),
    JSON.stringify({ compilerOptions, include: ["*/*.ts"] }),
  );
  const run = runTsc("typescript", root, "tsconfig.json");
  const bySlug = new Map(projects.map((p) => [p.slug, p]));
  for (const d of run.diagnostics) {
    const [slug = "", ...rest] = relative(root, join(root, d.file)).split(sep);
    const project = bySlug.get(slug);
    const file = project?.byName.get(rest.join(sep));
    const line = file?.sourceLines[d.line - 1];
    const problem = !file
      ? `${d.file}:${d.line}: ${d.message}`
      : line
        ? `${project!.readme}:${line}: ${d.message}`
        : `${project!.readme} (context of ${file.name}): ${d.message}`;
    // A file of no README (none should be in the program) fails every README of the run.
    for (const [readme, problems] of result)
      if (!project || project.readme === readme) problems.push(problem);
  }
  if (run.status !== 0 && run.diagnostics.length === 0) {
    for (const problems of result.values()) problems.push(...run.global, run.output);
  }
  for (const problems of result.values()) problems.sort((a, b) => lineOf(a) - lineOf(b));
  return result;
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
    const problems = checkAll([{ readme: "SELF-TEST.md", markdown: readme, type: "module" }]).get(
      "SELF-TEST.md",
    )!;
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
    // One run, as the READMEs are checked: each folder's package.json decides its module kind.
    const problems = checkAll([
      { readme: "CJS-SELF-TEST.md", markdown: readme, type: "commonjs" },
      { readme: "ESM-SELF-TEST.md", markdown: readme, type: "module" },
    ]);
    expect(problems.get("CJS-SELF-TEST.md")).toEqual([
      expect.stringMatching(/^CJS-SELF-TEST\.md:3: TS1309: .*cannot use 'await' at the top level/),
    ]);
    expect(problems.get("ESM-SELF-TEST.md")).toEqual([]);
  });
});

/** Every README's problems, from one compiler run over all of them (the first test to ask starts it). */
let checked: Map<string, string[]> | undefined;
const NESTJS = "packages/nestjs/README.md";
const NESTJS_ESM = `${NESTJS} as an ESM app`;
function problemsOf(readme: string): string[] {
  checked ??= checkAll([
    ...readmes.map((r) => ({
      readme: r,
      markdown: readFileSync(join(repo, r), "utf8"),
      type: commonjs.has(r) ? ("commonjs" as const) : ("module" as const),
    })),
    // NestJS 12 is ESM itself and an app may be too (`"type": "module"`): the README is checked as
    // such an app as well, so its snippets paste into both kinds (relative imports name `.js`
    // files, no top-level await).
    { readme: NESTJS_ESM, markdown: readFileSync(join(repo, NESTJS), "utf8"), type: "module" },
  ]);
  return checked.get(readme)!;
}

describe.each(readmes)("%s", (readme) => {
  it("every TypeScript block type-checks against the packed packages", () => {
    expect(problemsOf(readme)).toEqual([]);
  });
});

describe("packages/nestjs/README.md as a NestJS 12 ESM app", () => {
  it("every TypeScript block type-checks against the packed packages", () => {
    expect(problemsOf(NESTJS_ESM)).toEqual([]);
  });
});
