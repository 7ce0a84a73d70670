// Issue 88: what this package ships and teaches uses none of the AI SDK 7 APIs the installed `ai`
// marks @deprecated that an approval flow reaches for: the tool-level `needsApproval` ("Tool
// approval is handled on a generateText / streamText level now": `toolApproval`) and a result's
// `response.messages` (`responseMessages`). Checked: this package's source, the AI SDK example's
// source and tests, and every TypeScript block of the READMEs and docs that uses the AI SDK (prose
// may name an old API, e.g. to say how to upgrade). The installed typings are read to confirm each
// is still marked deprecated there.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { extractBlocks } from "@internal/test-utils";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "../../..");

/** Each deprecated API: the member the typings mark, where, how a use reads, what to use instead. */
const DEPRECATED = [
  {
    member: "needsApproval",
    typings: "@ai-sdk/provider-utils",
    use: /\bneedsApproval\b/,
    instead: "pass `toolApproval` to generateText / streamText / ToolLoopAgent",
  },
  {
    member: "response",
    typings: "ai",
    use: /\.response\)?\.messages\b/,
    instead: "use the result's `responseMessages`",
  },
] as const;

/** The members a declaration file marks `@deprecated` (the name after each such doc comment). */
function deprecatedMembers(typings: string): Set<string> {
  const require = createRequire(createRequire(import.meta.url).resolve("ai"));
  const dts = readFileSync(require.resolve(typings).replace(/\.js$/, ".d.ts"), "utf8");
  const names = dts.matchAll(/@deprecated[^]*?\*\/\s*(?:readonly\s+)?(\w+)\??\s*:/g);
  return new Set([...names].map((m) => m[1]!));
}

/** The `.ts` files under `dir` (relative to the repository), recursively. */
function sources(dir: string): string[] {
  return readdirSync(join(repo, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules") && !f.startsWith("dist"))
    .map((f) => join(dir, f));
}

/** The markdown files of a folder. */
const md = (dir: string): string[] =>
  readdirSync(join(repo, dir))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(dir, f));

/** The markdown files a user reads for the AI SDK: the package's, the example's, the docs. */
function docs(): string[] {
  return [
    "README.md",
    "packages/ai-sdk/README.md",
    "examples/ai-sdk-agent/README.md",
    ...md("docs"),
    ...md("docs/guides"),
  ];
}

/** Each `[where, line]` of `text` that uses a deprecated API, with what to use instead. */
function uses(where: string, text: string, firstLine = 1): string[] {
  return text
    .split("\n")
    .flatMap((line, i) =>
      DEPRECATED.filter((d) => d.use.test(line)).map(
        (d) => `${where}:${firstLine + i}: ${d.member} is deprecated: ${d.instead}`,
      ),
    );
}

describe("no AI SDK 7 deprecated API in what the AI SDK adapter ships and teaches", () => {
  it.each(DEPRECATED)("the installed $typings marks $member deprecated", ({ member, typings }) => {
    expect(deprecatedMembers(typings)).toContain(member);
  });

  it("the adapter's source and the AI SDK example", () => {
    const files = [...sources("packages/ai-sdk/src"), ...sources("examples/ai-sdk-agent/src")];
    files.push(...sources("examples/ai-sdk-agent/test"));
    expect(files).toContain("packages/ai-sdk/src/peer-tool.ts");
    expect(files.flatMap((f) => uses(f, readFileSync(join(repo, f), "utf8")))).toEqual([]);
  });

  it("the TypeScript blocks that use the AI SDK in the READMEs and docs", () => {
    const found: string[] = [];
    let checked = 0;
    for (const file of docs()) {
      for (const block of extractBlocks(readFileSync(join(repo, file), "utf8"))) {
        const code = `${block.context}\n${block.code}`;
        if (!/from "(ai|ai\/test|@molecule-ai\/ai-sdk(\/testing)?)"/.test(code)) continue;
        checked++;
        found.push(...uses(file, block.code, block.line + 1));
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it("catches a use (the check itself)", () => {
    expect(uses("x.ts", "tool({ needsApproval: true })\nfirst.response.messages")).toHaveLength(2);
    expect(uses("x.ts", "first.responseMessages; toolApproval: {}")).toEqual([]);
  });
});
