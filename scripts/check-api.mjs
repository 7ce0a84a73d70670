#!/usr/bin/env node
// Public API reports. For every published package (packages/*, not private) and every entry of its
// package.json `exports`, API Extractor reads the built declarations and compares them with the
// checked-in report `<package>/etc/<name>[-<subpath>].api.md`, so any change to what users can
// import shows up in review as a diff of that file. Fails (exit 1) when a report is missing or
// differs, naming the command that rewrites the reports. Also holds core's root entry to at most
// MAX_CORE_ROOT_EXPORTS names (everything else belongs on a subpath).
//
//   node scripts/check-api.mjs            check (part of ./dev test; run after the build)
//   node scripts/check-api.mjs --update   rewrite the reports after an intended API change
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CompilerState, Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const MAX_CORE_ROOT_EXPORTS = 80;
const UPDATE_COMMAND = "./dev node scripts/check-api.mjs --update";

const root = new URL("..", import.meta.url).pathname;
const update = process.argv.includes("--update");

/** Published packages and their declaration entry points: `[dir, pkg, [subpath, dts][]]`. */
function entries() {
  const out = [];
  for (const name of readdirSync(join(root, "packages")).sort()) {
    const dir = join(root, "packages", name);
    if (!existsSync(join(dir, "package.json"))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (pkg.private) continue;
    const points = [];
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const types = typeof target === "object" ? target.types : undefined;
      if (typeof types === "string") points.push([subpath, types]);
    }
    out.push([dir, pkg, points]);
  }
  return out;
}

/** `agent-core` for ".", `agent-core-a2a` for "./a2a". */
function reportName(pkgName, subpath) {
  const base = pkgName.replace(/^@[^/]+\//, "");
  return subpath === "." ? base : `${base}-${subpath.slice(2).replaceAll("/", "-")}`;
}

/**
 * One entry's API Extractor configuration, or why it cannot be checked: `{ name, config }` or
 * `{ name, ok: false, why }`.
 */
function prepare(dir, pkgName, subpath, types) {
  const name = reportName(pkgName, subpath);
  const entry = join(dir, types);
  if (!existsSync(entry)) return { name, ok: false, why: `${types} is missing: build first` };
  const report = join(dir, "etc", `${name}.api.md`);
  if (update) mkdirSync(join(dir, "etc"), { recursive: true });
  else if (!existsSync(report)) return { name, ok: false, why: `etc/${name}.api.md is missing` };
  const config = ExtractorConfig.prepare({
    packageJsonFullPath: join(dir, "package.json"),
    configObjectFullPath: undefined,
    configObject: {
      projectFolder: dir,
      mainEntryPointFilePath: entry,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "es2023",
            lib: ["es2023", "dom", "dom.iterable"],
            module: "nodenext",
            moduleResolution: "nodenext",
            types: ["node"],
            strict: true,
            skipLibCheck: true,
          },
          files: [entry],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: `${name}.api.md`,
        reportFolder: join(dir, "etc"),
        reportTempFolder: join(dir, "node_modules", ".api-extractor"),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: "lf",
      messages: {
        compilerMessageReporting: { default: { logLevel: "warning" } },
        extractorMessageReporting: {
          default: { logLevel: "warning" },
          // No release tags (@public/@beta) in this project: what is exported is public.
          "ae-missing-release-tag": { logLevel: "none" },
          // A type shared by two entries (e.g. `AgentCard`, exported by the root, used by `/a2a`)
          // is exported by one only: noted in the report instead of failing.
          "ae-forgotten-export": { logLevel: "none", addToApiReportFile: true },
          // TSDoc links and missing comments are the API reference build's job (TypeDoc).
          "ae-unresolved-link": { logLevel: "none" },
          "ae-undocumented": { logLevel: "none" },
          // A dependency's types that are .ts sources (@langchain/protocol): not ours to analyse.
          "ae-wrong-input-file-type": { logLevel: "none" },
        },
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
  });
  return { name, config };
}

/** Compares one entry's API with its report, over a compiler state its package's entries share. */
function extract({ name, config }, dir, compilerState) {
  const warnings = [];
  const result = Extractor.invoke(config, {
    compilerState,
    localBuild: update,
    messageCallback(message) {
      message.handled = true;
      // "report created / changed" notices: the result below says what matters.
      if (message.messageId.startsWith("console-")) return;
      if (message.logLevel === "warning" || message.logLevel === "error")
        warnings.push(message.formatMessageWithLocation(dir + "/"));
    },
  });
  if (result.apiReportChanged && !update)
    return { name, ok: false, why: `etc/${name}.api.md differs from the built API` };
  if (warnings.length > 0) return { name, ok: false, why: warnings.join("\n    ") };
  return { name, ok: result.succeeded || update, why: result.succeeded ? "" : "failed" };
}

/** Names exported by a built root declaration file (`export { a, type B } from ...` lines). */
function countExports(dts) {
  const text = readFileSync(dts, "utf8");
  let n = 0;
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
    n += m[1].split(",").filter((s) => s.trim() !== "").length;
  return n;
}

let failed = 0;
const packages = entries().map(([dir, pkg, points]) => ({
  dir,
  pkg,
  points,
  prepared: points.map(([subpath, types]) => prepare(dir, pkg.name, subpath, types)),
}));
// One TypeScript program for every entry of every package (each entry alone built its own: 24
// programs that parsed core's declarations again, most of check-api's time).
const ready = packages.flatMap((p) => p.prepared.filter((e) => e.config));
const compilerState =
  ready.length > 0
    ? CompilerState.create(ready[0].config, {
        additionalEntryPoints: ready.slice(1).map((e) => e.config.mainEntryPointFilePath),
      })
    : undefined;
for (const { dir, pkg, points, prepared } of packages) {
  for (const [i, [subpath]] of points.entries()) {
    const r = prepared[i].config ? extract(prepared[i], dir, compilerState) : prepared[i];
    const where = `${pkg.name}${subpath === "." ? "" : subpath.slice(1)}`;
    if (r.ok)
      console.log(`api: ${where}: ${update ? "report written" : "matches"} (etc/${r.name}.api.md)`);
    else {
      failed++;
      console.error(`api: ${where}: ${r.why}`);
    }
  }
  if (pkg.name === "@molecule-ai/agent-core") {
    const n = countExports(join(dir, "dist", "index.d.ts"));
    if (n > MAX_CORE_ROOT_EXPORTS) {
      failed++;
      console.error(
        `api: @molecule-ai/agent-core exports ${n} names from its root (at most ${MAX_CORE_ROOT_EXPORTS}): move the rarely used ones to a subpath (src/public/).`,
      );
    } else
      console.log(
        `api: @molecule-ai/agent-core root exports ${n} names (at most ${MAX_CORE_ROOT_EXPORTS})`,
      );
  }
}
if (failed > 0) {
  console.error(
    `api: ${failed} problem(s). If the public API change is intended, run \`${UPDATE_COMMAND}\` and commit the etc/*.api.md changes (they are the reviewable record of the public API).`,
  );
  process.exit(1);
}
