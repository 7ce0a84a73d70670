#!/usr/bin/env node
// Builds the API reference: converts each published package with TypeDoc (entry points from its
// package.json `exports`, mapped back to src/ through its tsconfig.build.json) into .api/models/<pkg>.json,
// then merges them into HTML (typedoc.json). Any TypeDoc warning fails the build.
//
// TypeDoc needs the TypeScript JS API, which TypeScript 7 lacks: this package pins TypeScript 6,
// and `skipErrorChecking` keeps TS 6 from re-judging code that TS 7 type-checks in the
// typecheck/build tasks.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const typedoc = fileURLToPath(new URL("node_modules/typedoc/bin/typedoc", import.meta.url));

// Symbols a package's public types refer to but deliberately does not export. TypeDoc warns about
// each one ("referenced but not included"); list them here only when that is by design.
const packages = {
  core: [
    // the lazily built zod schemas behind the exported `Wire*` types (`z.infer<Schemas[...]>`)
    "Schemas",
    // the options of `PlatformClient.reply` and `reportActivity`, documented on the methods: the
    // root entry holds 80 names at most (scripts/check-api.mjs)
    "ReplyOptions",
    "ReportOptions",
  ],
  langchain: [],
  "ai-sdk": [],
  "openai-agents": [],
  nestjs: [
    // ConfigurableModuleBuilder's type carriers behind the forRoot/forRootAsync option types
    "OPTIONS_TYPE",
    "ASYNC_OPTIONS_TYPE",
  ],
  "platform-emulator": [],
  cli: [],
  postgres: [],
  grpc: [],
  mcp: [],
};

// Referenced by public members but not exported: to be fixed in the owning packages (export the
// type, or mark the member @internal); remove an entry once fixed (TypeDoc then warns that it is
// listed but exported, so a stale entry fails the build too).
const pending = {};

// `{@link}`s in doc comments to a symbol the package does not export, and where they point instead
// (TypeDoc's externalSymbolLinkMappings). Remove an entry once the package exports the symbol or
// writes out its value in the comment.
const repository = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
  .repository.url.replace(/^git\+/, "")
  .replace(/\.git$/, "");
const unexportedLinks = {
  // InboxMessage.truncated: "cut at {@link MAX_SHOWN_TEXT} characters" (100,000, in the README)
  mcp: { MAX_SHOWN_TEXT: `${repository}/tree/main/packages/mcp#tools` },
};

// Packages with more than one public entry point (default: taken from package.json `exports`).
const entryPoints = { langchain: ["src/index.ts", "src/middleware.ts"] };

const validation = {
  notExported: true,
  invalidLink: true,
  invalidPath: true,
  rewrittenLink: true,
  notDocumented: false,
  unusedMergeModuleWith: true,
};

function run(optionsFile) {
  const r = spawnSync(process.execPath, [typedoc, "--options", optionsFile], {
    cwd: here,
    stdio: "inherit",
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Every published package has a reference: one missing from `packages` (or from this package's
// devDependencies, which order the build) fails the run.
const packagesDir = new URL("../../packages/", import.meta.url);
const docsDeps = JSON.parse(
  readFileSync(new URL("package.json", import.meta.url), "utf8"),
).devDependencies;
for (const dir of readdirSync(packagesDir)) {
  const manifest = new URL(`${dir}/package.json`, packagesDir);
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  if (pkg.private === true) continue;
  if (!(dir in packages) || !docsDeps[pkg.name]) {
    console.error(
      `${pkg.name} (packages/${dir}) is published but has no API reference: add "${dir}" to ` +
        `\`packages\` in internal/docs/build.mjs and "${pkg.name}": "workspace:*" to ` +
        `internal/docs/package.json devDependencies`,
    );
    process.exit(1);
  }
}

rmSync(new URL(".api", import.meta.url), { recursive: true, force: true });
mkdirSync(new URL(".api/options", import.meta.url), { recursive: true });
for (const [dir, intentionallyNotExported] of Object.entries(packages)) {
  const options = {
    entryPointStrategy: "packages",
    // Paths in an options file are relative to it: make them absolute.
    entryPoints: [fileURLToPath(new URL(`../../packages/${dir}`, import.meta.url))],
    packageOptions: {
      tsconfig: "tsconfig.build.json",
      includeVersion: true,
      readme: "none",
      disableSources: true,
      excludePrivate: true,
      excludeInternal: true,
      excludeExternals: true,
      // Another package's built declarations are external too: core's classes re-exported by the
      // adapters are documented once, under @molecule-ai/agent-core.
      externalPattern: ["**/node_modules/**", ...(dir === "core" ? [] : ["**/packages/*/dist/**"])],
      skipErrorChecking: true,
      intentionallyNotExported: [...intentionallyNotExported, ...(pending[dir] ?? [])],
      // Several public entry points: name them after their files (exports "." and "./middleware").
      ...(entryPoints[dir] ? { entryPoints: entryPoints[dir] } : {}),
      ...(unexportedLinks[dir]
        ? { externalSymbolLinkMappings: { [`@molecule-ai/${dir}`]: unexportedLinks[dir] } }
        : {}),
      validation,
    },
    json: fileURLToPath(new URL(`.api/models/${dir}.json`, import.meta.url)),
    readme: "none",
    disableSources: true,
    treatWarningsAsErrors: true,
    validation,
    logLevel: "Warn",
  };
  const file = `.api/options/${dir}.json`;
  writeFileSync(new URL(file, import.meta.url), JSON.stringify(options, null, 2));
  run(file);
}
run("typedoc.json");
