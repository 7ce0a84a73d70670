// #79, what a new user reads first: each quickstart that is started with `node <file>.ts` says
// which Node runs a .ts file as it is (Node 20 ends in its own ERR_UNKNOWN_FILE_EXTENSION before
// the SDK can say which Node it needs), and the CLI README runs the command as `npx molecule-agent`
// (a local install does not put the bare command on PATH).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repo } from "./consumer-project.js";

/** The text of a README's `## Quickstart` section (up to the next `## ` heading). */
function quickstartSection(readme: string): string {
  const text = readFileSync(join(repo, readme), "utf8");
  const start = text.indexOf("\n## Quickstart");
  expect(start, `${readme} has a Quickstart`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe("the quickstarts run with `node <file>.ts` name the Node that runs .ts files", () => {
  it.each([
    "packages/core/README.md",
    "packages/ai-sdk/README.md",
    "packages/langchain/README.md",
    "packages/openai-agents/README.md",
    "packages/mcp/README.md",
  ])("%s", (readme) => {
    const section = quickstartSection(readme);
    expect(section).toMatch(/node \w+\.ts/);
    expect(section).toMatch(/Node\.js 22\.19 or later[^.\n]*runs? \.ts files as they are/);
  });
});

it("the CLI README runs the command as `npx molecule-agent` in its shell blocks", () => {
  const text = readFileSync(join(repo, "packages/cli/README.md"), "utf8");
  const shell = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
  const bare = shell.filter((l) => /^(\$ )?molecule-agent /.test(l));
  expect(bare).toEqual([]);
  expect(shell.filter((l) => /^(\$ )?npx molecule-agent /.test(l)).length).toBeGreaterThan(5);
});
