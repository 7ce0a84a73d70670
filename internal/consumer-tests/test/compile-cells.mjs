// Several cells of the type matrix on one JavaScript compiler (TypeScript 5.x or 6.x), one after
// the other in one process: each cell is a program of its own, reporting what
// `tsc -p <tsconfig> --pretty false --listFiles` would (its diagnostics, then its files). A cell
// named `ours:<tsconfig>` checks with skipLibCheck off, but for our declarations only: the
// published packages' (node_modules/@molecule-ai/) and the consumer code are type-checked in full,
// the frameworks' declarations only as far as ours use them.
//
//   node compile-cells.mjs <typescript package folder> <cell>...
//
// Prints one JSON line: each cell's { output, status } in order (status 0 clean, 1 with errors).
// The cells share the declaration files they parse (the frameworks' and the standard library's,
// read the same way by each: same path, language version and module format), so the second cell
// parses only what the first did not; each program still resolves, binds and checks on its own
// (one process per cell cost 2.5 s of CPU more a cell).
import { createRequire } from "node:module";
import { join } from "node:path";

const [compiler, ...cells] = process.argv.slice(2);
const ts = createRequire(import.meta.url)(join(compiler, "lib", "typescript.js"));
const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};
const declaration = /\.d\.[cm]?ts$/;
const parsed = new Map();

/** One cell's program, with a compiler host that parses each declaration file once per process. */
function programOf(tsconfig) {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfig, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.formatDiagnostics([d], formatHost));
    },
  });
  const host = ts.createCompilerHost(config.options);
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors; // as tsc's own host
  const parse = host.getSourceFile;
  host.getSourceFile = (fileName, options, onError, shouldCreate) => {
    if (!declaration.test(fileName)) return parse(fileName, options, onError, shouldCreate);
    const o = typeof options === "object" ? options : { languageVersion: options };
    const key = `${o.languageVersion} ${o.impliedNodeFormat} ${o.jsDocParsingMode} ${fileName}`;
    if (!parsed.has(key)) parsed.set(key, parse(fileName, options, onError, shouldCreate));
    return parsed.get(key);
  };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config),
    host,
  });
  return { program, config };
}

const ours = (file) =>
  !file.fileName.includes("/node_modules/") ||
  file.fileName.includes("/node_modules/@molecule-ai/");

const results = cells.map((cell) => {
  const oursOnly = cell.startsWith("ours:");
  const { program, config } = programOf(oursOnly ? cell.slice("ours:".length) : cell);
  const diagnostics = (
    oursOnly
      ? [
          ...config.errors,
          ...program.getOptionsDiagnostics(),
          ...program.getGlobalDiagnostics(),
          ...program
            .getSourceFiles()
            .filter(ours)
            .flatMap((f) => [
              ...program.getSyntacticDiagnostics(f),
              ...program.getSemanticDiagnostics(f),
            ]),
        ]
      : ts.getPreEmitDiagnostics(program)
  ).filter((d) => d.category === ts.DiagnosticCategory.Error);
  const files = program.getSourceFiles().map((f) => `${f.fileName}\n`);
  return {
    output: ts.formatDiagnostics(diagnostics, formatHost) + files.join(""),
    status: diagnostics.length > 0 ? 1 : 0,
  };
});
process.stdout.write(`${JSON.stringify(results)}\n`);
