// Issue 88: what this package ships and teaches uses none of the AI SDK 7 APIs the installed `ai`
// marks @deprecated that an approval flow reaches for: tool-level `needsApproval`
// ("Tool approval is handled on a generateText / streamText level now": `toolApproval`), the
// result's `response.messages` (`responseMessages`), `stepCountIs` (`isStepCount`) and
// `experimental_context` (`toolsContext` / `runtimeContext`). Checked: this package's source, the
// AI SDK example's source and tests, and every TypeScript block of the READMEs and docs that uses
// the AI SDK (prose may name an old API, e.g. to say how to upgrade).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { extractBlocks } from "@internal/test-utils";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "../../..");

const DEPRECATED: readonly [RegExp, string][] = [
  [/\bneedsApproval\b/, "pass `toolApproval` to generateText / streamText / ToolLoopAgent"],
  [/\.response\)?\.messages\b/, "use the result's `responseMessages`"],
  [/\bstepCountIs\b/, "use `isStepCount`"],
  [/\bexperimental_context\b/, "use `toolsContext` / `runtimeContext`"],
];

/** The `.ts` files under `dir` (relative to the repository), recursively. */
function sources(dir: string): string[] {
  return readdirSync(join(repo, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules") && !f.startsWith("dist"))
    .map((f) => join(dir, f));
}

/** The markdown files a user reads for the AI SDK: the package's, the example's, the docs. */
function docs(): string[] {
  const md = (dir: string) =>
    readdirSync(join(repo, dir))
      .filter((f) => f.endsWith(".md"))
      .map((f) => join(dir, f));
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
      DEPRECATED.filter(([pattern]) => pattern.test(line)).map(
        ([pattern, instead]) => `${where}:${firstLine + i}: ${pattern.source}: ${instead}`,
      ),
    );
}

describe("no AI SDK 7 deprecated API in what the AI SDK adapter ships and teaches", () => {
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
