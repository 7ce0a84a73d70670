// `tsc --pretty false --listFiles` with skipLibCheck off, but for our declarations only: the
// published packages' (node_modules/@molecule-ai/) and the consumer code are type-checked in full,
// the frameworks' declarations only as far as ours use them. Output and exit status as tsc's.
//
//   node check-own-declarations.mjs <typescript package folder> <tsconfig>
import { createRequire } from "node:module";
import { join } from "node:path";

const [compiler, tsconfig] = process.argv.slice(2);
const ts = createRequire(import.meta.url)(join(compiler, "lib", "typescript.js"));
const host = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};
const report = (diagnostics) => process.stdout.write(ts.formatDiagnostics(diagnostics, host));
const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    report([d]);
    process.exitCode = 2;
    throw new Error("unreadable tsconfig");
  },
});
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const ours = (file) =>
  !file.fileName.includes("/node_modules/") ||
  file.fileName.includes("/node_modules/@molecule-ai/");
const diagnostics = [
  ...parsed.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...program
    .getSourceFiles()
    .filter(ours)
    .flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
].filter((d) => d.category === ts.DiagnosticCategory.Error);
report(diagnostics);
for (const f of program.getSourceFiles()) process.stdout.write(`${f.fileName}\n`);
process.exitCode = diagnostics.length > 0 ? 1 : 0; // not exit(): stdout (a pipe) is written later
