#!/usr/bin/env node
// Builds the API reference: converts each published package with TypeDoc (entry points from its
// package.json `exports`, mapped back to src/ through its tsconfig.build.json) into .api/models/<pkg>.json,
// then merges them into HTML (typedoc.json). Any TypeDoc warning fails the build.
//
// The TypeDoc runs (one per package, then the merge) share this one process through TypeDoc's API:
// its CLI paid the start-up of Node, TypeDoc and TypeScript on every run (half the build's CPU).
//
// TypeDoc needs the TypeScript JS API, which TypeScript 7 lacks: this package pins TypeScript 6,
// and `skipErrorChecking` keeps TS 6 from re-judging code that TS 7 type-checks in the
// typecheck/build tasks.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Application,
  PackageJsonReader,
  TSConfigReader,
  TypeDocReader,
  resetReflectionID,
} from "typedoc";

// TypeDoc resolves the paths in its options, and writes those in its JSON models, from the working
// directory; typedoc.json is read from there too.
process.chdir(fileURLToPath(new URL(".", import.meta.url)));

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

// typedoc.json (here) configures the merge step: the package step has its root options below, and
// reads a typedoc.json only in each package (as TypeDoc's packages mode does).
class PackageTypeDocReader extends TypeDocReader {
  async read(options, ...rest) {
    if (options.packageDir !== undefined) await super.read(options, ...rest);
  }
}

// One TypeDoc run, as its CLI does it (node_modules/typedoc/dist/cli.js): the messages are printed,
// and an error, or a warning under treatWarningsAsErrors, ends the build.
async function run(options, readers) {
  // Reflection ids count on across runs in one process: number each model from 0, as a CLI run does,
  // so that it does not depend on the packages converted before it.
  resetReflectionID();
  const app = await Application.bootstrapWithPlugins(options, readers);
  const { logger } = app;
  const failed = () =>
    logger.hasErrors() || (app.options.getValue("treatWarningsAsErrors") && logger.hasWarnings());
  const project = failed() ? undefined : await app.convert();
  if (project && !failed()) app.validate(project);
  if (project && !failed()) await app.generateOutputs(project);
  if (project && !failed()) return;
  const { errorCount, warningCount } = logger;
  logger[errorCount ? "error" : "warn"](`Found ${errorCount} errors and ${warningCount} warnings`);
  process.exit(1);
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

rmSync(".api", { recursive: true, force: true });
for (const [dir, intentionallyNotExported] of Object.entries(packages)) {
  const options = {
    entryPointStrategy: "packages",
    entryPoints: [`../../packages/${dir}`],
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
    json: `.api/models/${dir}.json`,
    readme: "none",
    disableSources: true,
    treatWarningsAsErrors: true,
    validation,
    logLevel: "Warn",
  };
  await run(options, [new PackageTypeDocReader(), new PackageJsonReader(), new TSConfigReader()]);
}
await run({ options: "typedoc.json" }, [
  new TypeDocReader(),
  new PackageJsonReader(),
  new TSConfigReader(),
]);
