// Bundles core's JavaScript per public entry (package.json "exports"), with the modules that two
// entries share in `chunks/` so a class has one identity whichever subpath it is imported from.
// tsc still emits the declarations (one .d.ts per source file), which the package's "types" and the
// API reports read. Why: a cold `import()` of the root resolved ~110 files one by one; bundled it
// resolves a dozen (bench/src/import-cost.ts). Dependencies stay external and load as before.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CodeSplittingOptions, defineConfig, type Plugin } from "rolldown";

interface Conditions {
  default?: string;
}
const pkg = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | Conditions>;
};

/** `./dist/public/a2a.js` → entry `public/a2a` built from `src/public/a2a.ts`. */
const input: Record<string, string> = {};
for (const target of Object.values(pkg.exports)) {
  const file = typeof target === "string" ? target : target.default;
  const m = file?.match(/^\.\/dist\/(.+)\.js$/);
  if (m?.[1] !== undefined) input[m[1]] = `src/${m[1]}.ts`;
}

const output = {
  format: "esm",
  sourcemap: true,
  entryFileNames: "[name].js",
  chunkFileNames: "chunks/[name]-[hash].js",
  // Error classes set `this.name = new.target.name`: keep names as written.
  keepNames: true,
  // No JSDoc in the bundle (a quarter of its bytes): V8 keeps every loaded module's source text,
  // and parses it, so an idle agent weighed ~1.9 MiB more RSS with them (issue 88). The comments
  // are in src/ and the .d.ts files, which the package ships, and the source maps point there.
  // Legal comments and bundler annotations (`@__PURE__`) stay.
  comments: { legal: true, annotation: true, jsdoc: false },
  // Non-ASCII characters as escapes: a module's source with one character past Latin-1 (a dash in
  // an error message) is kept by V8 as two bytes a character, so 740 KB of an agent's code held
  // 1.5 MB (issue 114).
  charset: "ascii",
} as const;

// The bottom of every entry's graph in one chunk: the runtime files every entry loads (modules,
// crypto, bytes, process; with what the edge build bundles for them), the file system facade (the
// root's file stores and most entries reach it; node:fs/promises, node:os and node:path are
// built-ins, already in the Node process, so an entry that never touches a file pays only their
// binding), the error family and the OpenTelemetry lookup, so a cold import loads one file for
// them, not one per facility. The event emitter and streams stay with the code that uses them.
const codeSplitting: CodeSplittingOptions = {
  groups: [
    {
      name: "runtime",
      test: /[\\/](src[\\/](runtime[\\/](modules|crypto|bytes|process|fs)|transport[\\/]errors|observability[\\/]otel)(\.web)?\.ts|@noble[\\/]hashes[\\/])/,
    },
  ],
};

// The serverless and edge build (`dist/edge/`, the `workerd`, `edge-light`, `worker` and `browser`
// export conditions): the same entries with each `src/runtime/<name>.web.ts` in place of
// `src/runtime/<name>.ts`, so nothing on their path imports a Node built-in or calls
// `createRequire` (src/runtime/index.ts says what each file is). What a `.web.ts` file imports from
// a package (@noble/hashes) is bundled in, not left to the user's bundler.
const runtimeDir = fileURLToPath(new URL("src/runtime/", import.meta.url));
const webModules: Plugin = {
  name: "molecule-web-modules",
  resolveId(source, importer) {
    if (!importer?.startsWith(runtimeDir) || !source.startsWith("./")) return undefined;
    const web = `${runtimeDir}${source.slice(2).replace(/\.js$/, ".web.ts")}`;
    return existsSync(web) ? web : undefined;
  },
};

/** Bundled into the edge build: a `.web.ts` file's own libraries (devDependencies of the package). */
const bundledInEdge = /^@noble\/hashes(\/|$)/;

export default defineConfig([
  {
    input,
    platform: "node",
    // Bare specifiers (dependencies, optional peers, node: builtins) are loaded at run time.
    external: /^[^./]/,
    transform: { target: "es2023" },
    // The build script swaps .dist-next into dist/ once tsc and this bundle both succeeded.
    output: { ...output, codeSplitting, dir: ".dist-next" },
  },
  {
    input,
    platform: "neutral",
    external: (id) => /^[^./]/.test(id) && !bundledInEdge.test(id),
    transform: { target: "es2023" },
    plugins: [webModules],
    output: { ...output, codeSplitting, dir: ".dist-next/edge" },
  },
]);
