// Consumer type-check matrix: the packed tarballs of the published packages (exactly what npm would
// ship) are installed into one throwaway consumer project next to the frameworks they need, and
// consumer code using each package's main API (fixtures/types) is type-checked by TypeScript 5.8,
// 5.9, 6.0 and 7.0, with `moduleResolution` nodenext and bundler, `strict` and `skipLibCheck`
// (our declarations must still parse and resolve; usage errors in consumer code still surface).
// The fixtures carry `@ts-expect-error` lines, so a type that silently degrades to `any` (say, an
// import inside our declarations that no longer resolves) fails the check instead of passing it.
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConsumerProject,
  publishedPackages as packages,
  repo,
  runCellsAsync,
  runTscAsync,
} from "./consumer-project.js";
import type { ConsumerProject, TscRun } from "./consumer-project.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../fixtures/types");
const require = createRequire(import.meta.url);

/** The compilers, from this package's devDependencies (7.0 is the repository's own). */
const compilers = [
  { version: "5.8.3", from: "typescript58" },
  { version: "5.9.3", from: "typescript59" },
  { version: "6.0.3", from: "typescript60" },
  { version: "7.0.2", from: "typescript" },
] as const;

/** The two consumer setups: Node's own resolution and a bundler's. */
const resolutions = [
  { name: "nodenext", module: "nodenext", include: ["src/**/*.ts", "src/**/*.cts"] },
  { name: "bundler", module: "esnext", include: ["src/**/*.ts"] }, // .cts is a Node-only format
] as const;
type Resolution = (typeof resolutions)[number];

let consumer: ConsumerProject;
let project: string;

/**
 * Writes `tsconfig.<name>.json` for one resolution mode. `full` also checks every declaration file
 * (ours and the frameworks'), which needs the DOM lib for `ai`'s (`HeadersInit`, `FileList`, ...).
 */
function writeTsconfig(resolution: Resolution, full = false): string {
  const file = `tsconfig.${resolution.name}${full ? ".full" : ""}.json`;
  const compilerOptions = {
    target: "es2023",
    lib: full ? ["es2023", "dom", "dom.iterable"] : ["es2023"],
    module: resolution.module,
    moduleResolution: resolution.name,
    types: ["node"],
    strict: true,
    skipLibCheck: !full,
    noEmit: true,
    experimentalDecorators: true, // NestJS's decorators
    emitDecoratorMetadata: true,
    forceConsistentCasingInFileNames: true,
  };
  writeFileSync(
    join(project, file),
    JSON.stringify({ compilerOptions, include: resolution.include }, null, 2),
  );
  return file;
}

interface Check {
  status: number | null;
  /** Diagnostics by package (`other` when a file belongs to none), message lines joined. */
  errors: Record<string, string[]>;
  /** The files in the program (`--listFiles`). */
  files: string[];
  output: string;
}

/** The package a diagnostic's file belongs to: its fixture's package, or the package it is in. */
function ownerOf(file: string): string {
  for (const pkg of packages) {
    if (pkg.fixtures.some((f) => file === `src/${f}` || file.endsWith(`/src/${f}`)))
      return pkg.name;
    if (file.includes(`node_modules/${pkg.name}/`)) return pkg.name;
  }
  return "other";
}

/** A compiler run's diagnostics, by package. */
function toCheck(run: TscRun): Check {
  const errors: Record<string, string[]> = {};
  for (const d of run.diagnostics) (errors[ownerOf(d.file)] ??= []).push(`${d.file}: ${d.message}`);
  if (run.global.length > 0) (errors.other ??= []).push(...run.global);
  return { status: run.status, errors, files: run.files, output: run.output };
}

/**
 * Each cell's check, started once the project is there, two processes at a time: a process takes
 * one CPU (TypeScript 7's more), so a third would only share the CPU. The cells' hooks and tests
 * wait for their own check.
 */
const runs = new Map<string, Promise<Check>>();
/**
 * How much a cell checks: consumer code with skipLibCheck (`skip`); with it off, our declarations
 * and the consumer code (`ours`), or every declaration file in the program (`all`).
 */
type Depth = "skip" | "ours" | "all";
const cell = (from: string, resolution: Resolution, depth: Depth = "skip"): string =>
  `${from} ${resolution.name} ${depth}`;
/** The cells in the order they start: those without skipLibCheck, the longest, first. */
const cells: [from: string, resolution: Resolution, depth: Depth][] = [
  ["typescript58", resolutions[0], "ours"],
  ["typescript", resolutions[0], "all"],
  ...compilers.flatMap(({ from }) =>
    resolutions.map((r): [string, Resolution, Depth] => [from, r, "skip"]),
  ),
];

/**
 * The cells as they run: a JavaScript compiler's together, in one process (runCellsAsync: each its
 * own program, the declaration files parsed once: 2.5 s less CPU a cell), TypeScript 7's each in a
 * process of its own; in the order of the cells' first appearance above.
 */
function batches(): (typeof cells)[] {
  const all: (typeof cells)[] = [];
  for (const c of cells) {
    const batch = c[0] === "typescript" ? undefined : all.find((b) => b[0]![0] === c[0]);
    if (batch) batch.push(c);
    else all.push([c]);
  }
  return all;
}

/** Starts `jobs` in order, at most `n` at a time; returns each job's result. */
function startAtMost<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T>[] {
  const gates = jobs.map(() => {
    let open!: () => void;
    return { opened: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
  });
  let next = 0;
  const startNext = (): void => void (next < jobs.length && gates[next++]!.open());
  const results = jobs.map((job, i) => gates[i]!.opened.then(job).finally(startNext));
  for (let i = 0; i < n; i++) startNext();
  return results;
}

/** A cell's run; a long timeout because a loaded machine (two CI runs at once) is slow at it. */
const checkOf = (from: string, resolution: Resolution, depth: Depth = "skip"): Promise<Check> =>
  runs.get(cell(from, resolution, depth))!;
const CHECK_TIMEOUT = 600_000;

beforeAll(() => {
  consumer = createConsumerProject("types-consumer");
  project = consumer.dir;
  mkdirSync(join(project, "src"));
  for (const file of readdirSync(fixtures))
    copyFileSync(join(fixtures, file), join(project, "src", file));
  // Each tsconfig is written once, before any compiler reads it.
  const tsconfigOf = new Map(
    cells.map(([from, resolution, depth]) => [
      cell(from, resolution, depth),
      writeTsconfig(resolution, depth !== "skip"),
    ]),
  );
  const tsconfig = (c: (typeof cells)[number]): string => tsconfigOf.get(cell(...c))!;
  const runBatch = async (batch: typeof cells): Promise<Check[]> =>
    (batch[0]![0] === "typescript"
      ? [await runTscAsync("typescript", project, tsconfig(batch[0]!))]
      : await runCellsAsync(
          batch[0]![0],
          project,
          batch.map((c) => ({ tsconfig: tsconfig(c), oursOnly: c[2] === "ours" })),
        )
    ).map(toCheck);
  const planned = batches();
  const started = startAtMost(
    2,
    planned.map((batch) => () => runBatch(batch)),
  );
  planned.forEach((batch, i) =>
    batch.forEach((c, j) => {
      const check = started[i]!.then((checks) => checks[j]!);
      check.catch(() => {}); // awaited (and reported) by its cell
      runs.set(cell(...c), check);
    }),
  );
});

afterAll(() => consumer?.dispose());

/** Declaration files some framework must contribute to the program (so it resolved). */
const frameworkFiles = [
  /\/@langchain\/core\/dist\/tools\/index\.d\.ts$/,
  /\/langchain\/dist\/index\.d\.ts$/,
  /\/ai\/dist\/index\.d\.ts$/,
  /\/@nestjs\/common\/index\.d\.ts$/,
  /\/zod\/v4\/classic\/schemas\.d\.[mc]?ts$/,
];

/**
 * What is wrong with a run: its diagnostics and exit status, each package's packed entry point or
 * framework missing from the program, and files from the workspace's own package folders (which
 * would mean a tarball was bypassed). A clean run is {@link clean}.
 */
function problems(check: Check): object {
  const real = realpathSync(project);
  return {
    errors: check.errors,
    status: check.status,
    output: check.status === 0 ? "" : check.output,
    missing: [
      ...packages
        .map((pkg) => join(real, "node_modules", pkg.name, "dist", "index.d.ts"))
        .filter((entry) => !check.files.includes(entry)),
      ...frameworkFiles.filter((re) => !check.files.some((f) => re.test(f))).map(String),
    ],
    fromWorkspace: check.files.filter((f) => f.startsWith(join(repo, "packages"))),
  };
}

const clean = { errors: {}, status: 0, output: "", missing: [], fromWorkspace: [] };

describe("the consumer project", () => {
  it("holds the packed packages, not links to the workspace", () => {
    const installed = packages.map((pkg) => join(project, "node_modules", pkg.name));
    expect(installed.filter((dir) => lstatSync(dir).isSymbolicLink())).toEqual([]);
    expect(installed.filter((dir) => !existsSync(join(dir, "dist", "index.d.ts")))).toEqual([]);
  });

  it("has a fixture for every package", () => {
    const copied = readdirSync(join(project, "src"));
    for (const pkg of packages) for (const f of pkg.fixtures) expect(copied).toContain(f);
  });
});

describe.each(compilers)("TypeScript $version", ({ version, from }) => {
  it("is the compiler the matrix names", () => {
    const manifest = require(`${from}/package.json`) as { version: string };
    expect(manifest.version).toBe(version);
  });

  describe.each(resolutions)("moduleResolution $name", (resolution) => {
    let check: Check;
    beforeAll(async () => {
      check = await checkOf(from, resolution);
    }, CHECK_TIMEOUT);

    it("exits 0 with the packed declarations and the frameworks' in the program", () => {
      expect(problems(check)).toEqual(clean);
    });

    it.each(packages)("$name: the consumer code type-checks", ({ name }) => {
      expect(check.errors[name] ?? []).toEqual([]);
    });
  });
});

// Two cells without skipLibCheck. The oldest supported compiler checks our declarations (and the
// consumer code), so they are proven clean on it, not only parseable; the frameworks' own
// declarations it reads only as far as ours use them (checking all of them took it 22 s of CPU).
// TypeScript 7 checks every declaration file in the program: the frameworks' at the pinned
// versions too. (Both are also clean on 5.9 and 6.0; two cells keep the test fast.)
describe("skipLibCheck false, nodenext", () => {
  it(
    "TypeScript 5.8.3: our declarations and the consumer code without an error",
    { timeout: CHECK_TIMEOUT },
    async () => {
      const check = await checkOf("typescript58", resolutions[0], "ours");
      expect(problems(check)).toEqual(clean);
    },
  );

  it(
    "TypeScript 7.0.2: every declaration file in the program without an error",
    { timeout: CHECK_TIMEOUT },
    async () => {
      const check = await checkOf("typescript", resolutions[0], "all");
      expect(problems(check)).toEqual(clean);
    },
  );
});
