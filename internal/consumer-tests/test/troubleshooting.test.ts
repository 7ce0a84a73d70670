// #113, docs/troubleshooting.md is keyed by what a user sees: it lists every `MoleculeError` code
// the packages declare and the first words of every warning and error line the agent's default
// logger can print, so a code or a line added to the source without a row here fails this test
// (and a row for a code no package declares any more fails it too).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repo } from "./consumer-project.js";

const page = readFileSync(join(repo, "docs/troubleshooting.md"), "utf8");

/** Every `.ts` file under `packages/<pkg>/src`, as `[path, text without comment lines]`. */
function sources(skip: readonly string[] = []): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      // Comment lines dropped: a code named in a comment is not declared there.
      else if (entry.name.endsWith(".ts"))
        out.push([path, readFileSync(path, "utf8").replace(/^\s*(\/\/|\/\*|\*).*$/gm, "")]);
    }
  };
  for (const pkg of readdirSync(join(repo, "packages"))) {
    if (!skip.includes(pkg)) walk(join(repo, "packages", pkg, "src"));
  }
  return out;
}

/** The value types a plain parser's field spec names (wire/plain.ts), never error codes. */
const JS_TYPES = new Set(["string", "number", "boolean", "unknown", "object", "array"]);

const SNAKE = String.raw`"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"`;
const all = (re: RegExp, text: string): string[] => [...text.matchAll(re)].map((m) => m[1]!);

/**
 * The codes the packages declare, however they declare them: `code: "x"` (also in a ternary or
 * after `??`), `code === "x"` and any `"snake_case"` literal on a line with `code`, a `type ...Code = "x" | ...` union, the first argument of an error
 * constructor or of core's `refused`/`fail` helpers, an `..._REFUSED` constant, gRPC metadata.
 */
function declaredCodes(): Set<string> {
  const codes = new Set<string>();
  for (const [, text] of sources()) {
    for (const line of text.split("\n")) {
      if (!/\bcode\b/.test(line)) continue;
      // What a line returns after its `code` test is not a code (`... ? "turn_limit"` is a reason).
      for (const c of all(new RegExp(SNAKE, "g"), line.split(/\breturn\b/)[0]!)) codes.add(c);
    }
    // One-word codes too, where a `code:` (or `code ??`) gives them: `code: s === 403 ? "forbidden"
    // : "unauthorized"`; the operands of a comparison and an index are not codes.
    for (const m of text.matchAll(/\bcode(?::|\s*\?\?(?=\s*"))\s*([^,}\n]*)/g)) {
      const expression = m[1]!.replace(/[!=]==\s*"[^"]*"|\["[^"]*"\]/g, "");
      // A field's type in a plain parser's spec (`new LooseObject({ code: "number" })`) is no code.
      for (const c of all(/"([a-z][a-z0-9_]*)"/g, expression)) if (!JS_TYPES.has(c)) codes.add(c);
    }
    for (const m of text.matchAll(/type \w*Code\w* =([^;]*);/g))
      for (const c of all(new RegExp(SNAKE, "g"), m[1]!)) codes.add(c);
    const patterns = [
      String.raw`new (?!Bind)\w*Error\(\s*${SNAKE}`,
      String.raw`\b(?:refused|fail)\(\s*${SNAKE}`,
      String.raw`const [A-Z_]*REFUSED = ${SNAKE}`,
      String.raw`ERROR_CODE, ${SNAKE}`,
    ];
    for (const p of patterns) for (const c of all(new RegExp(p, "g"), text)) codes.add(c);
  }
  return codes;
}

/** The section of the page under `## <title>` (up to the next `## `). */
function section(title: string): string {
  const start = page.indexOf(`\n## ${title}\n`);
  expect(start, `docs/troubleshooting.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = page.indexOf("\n## ", start + 1);
  return page.slice(start, end < 0 ? undefined : end);
}

/** The codes the page's table lists: the first cell of each row, in backticks. */
function listedCodes(): Set<string> {
  return new Set(all(/^\| `([a-z0-9_]+)`/gm, section("Error codes")));
}

/** The static text of a template or string literal starting at `text[at]`, split at each `${`. */
function statics(text: string, at: number): string[] {
  const quote = text[at]!;
  const parts: string[] = [];
  let cur = "";
  for (let i = at + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\") {
      cur += text[++i] ?? "";
    } else if (ch === quote) {
      break;
    } else if (quote === "`" && ch === "$" && text[i + 1] === "{") {
      parts.push(cur);
      cur = "";
      // Skip the expression: braces counted, strings inside it stepped over.
      let depth = 0;
      for (i++; i < text.length; i++) {
        const c = text[i]!;
        if (c === "{") depth++;
        else if (c === "}" && --depth === 0) break;
        else if (c === '"' || c === "'" || c === "`") {
          for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
        }
      }
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts;
}

/** Up to the first five words of a line's first static part of two words or more. */
function firstWords(parts: string[]): string | undefined {
  for (const part of parts) {
    const words = part.replace(/\s+/g, " ").trim().split(" ").filter(Boolean);
    if (words.length >= 2) return words.slice(0, 5).join(" ");
  }
  return undefined;
}

/**
 * The warning and error lines an agent's logger can be given (the default one prints them on
 * stderr): each `logger.warn(...)` and `logger.error(...)` with a literal message in the published
 * packages (the emulator's own log aside), and the agent events logged at `warn` or `error`.
 */
function loggedLines(): Map<string, string> {
  const lines = new Map<string, string>();
  const call = /\.(?:warn|error)(?:\?\.)?\(\s*(?=[`"])/g;
  const level = /"(?:warn|error)"(?:\s*:\s*"\w+")?\s*,\s*(?=[`"])/g;
  for (const [path, text] of sources(["platform-emulator"])) {
    for (const re of [call, level]) {
      for (const m of text.matchAll(re)) {
        const words = firstWords(statics(text, m.index + m[0].length));
        if (words) lines.set(words, path.slice(repo.length));
      }
    }
  }
  return lines;
}

describe("docs/troubleshooting.md", () => {
  it("lists every error code the packages declare, and no other", () => {
    const declared = declaredCodes();
    const listed = listedCodes();
    expect(declared.size).toBeGreaterThan(100);
    expect([...declared].filter((c) => !listed.has(c)).sort()).toEqual([]);
    const everywhere = sources()
      .map(([, text]) => text)
      .join("\n");
    expect([...listed].filter((c) => !everywhere.includes(`"${c}"`)).sort()).toEqual([]);
  });

  it("lists the first words of every warning and error line an agent can log", () => {
    const lines = loggedLines();
    expect(lines.size).toBeGreaterThan(50);
    const text = section("Warnings and log lines").replace(/\s+/g, " ").toLowerCase();
    const missing = [...lines].filter(([words]) => !text.includes(words.toLowerCase()));
    expect(missing.map(([words, file]) => `${words} (${file})`)).toEqual([]);
  });
});
