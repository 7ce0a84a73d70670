// The TypeScript code blocks of a README: extracted for the README checks (readmeBlock, and
// internal/consumer-tests' type check and quickstart runs), and turned into the files of a small
// consumer project as a user would paste them.
//
// The conventions a README follows (docs/readme-code.md):
// - every ```ts / ```typescript / ```tsx block is checked; there is no opt-out;
// - a block whose first line is a file-name comment (`// app.module.ts`) becomes that file of the
//   README's project, so other blocks may import it (`./app.module.js`); any other block is a
//   module of its own;
// - a deliberately partial block states its context in an HTML comment right before it, which
//   readers do not see rendered and the check prepends:
//       <!-- context
//       import { PlatformClient } from "@molecule-ai/agent-core";
//       declare const client: PlatformClient;
//       -->

/** One checked code block of a README. */
export interface ReadmeBlock {
  /** 1-based line of the opening fence in the README. */
  line: number;
  /** The block's code, as a reader copies it. */
  code: string;
  /** The stated context (declarations and imports the block assumes), or "". */
  context: string;
  /** The file the block is (`app.module.ts`), or undefined for a standalone block. */
  fileName?: string;
}

/** A file of a README's consumer project and where each of its lines came from. */
export interface ProjectFile {
  name: string;
  text: string;
  /** For each line of `text` (0-based), the README line it came from, or 0 for context. */
  sourceLines: number[];
}

const fence = /^(\s*)(`{3,})\s*([\w-]*).*$/;
const typescript = new Set(["ts", "typescript", "tsx", "mts", "cts"]);
const fileNameComment = /^\/\/\s*([\w./-]+\.(?:ts|tsx|mts|cts))\s*$/;

/** Extracts the TypeScript blocks of `markdown`, with their stated contexts and file names. */
export function extractBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]!);
    if (!open) continue;
    const [, indent, ticks, info] = open;
    // The block ends at a fence of at least as many backticks (so ````md can show ```ts).
    const close = new RegExp(`^\\s*\`{${ticks!.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) j++;
    if (j >= lines.length) throw new Error(`unclosed code block at line ${i + 1}`);
    if (typescript.has(info!)) {
      const body = lines
        .slice(i + 1, j)
        .map((l) => l.slice(Math.min(indent!.length, /^\s*/.exec(l)![0].length)));
      const first = fileNameComment.exec(body[0]?.trim() ?? "");
      blocks.push({
        line: i + 1,
        code: body.join("\n"),
        context: contextBefore(lines, i),
        ...(first ? { fileName: first[1] } : {}),
      });
    }
    i = j;
  }
  return blocks;
}

/** The `<!-- context ... -->` comment that ends right before line `at` (blank lines allowed). */
function contextBefore(lines: string[], at: number): string {
  let k = at - 1;
  while (k >= 0 && lines[k]!.trim() === "") k--;
  if (k < 0 || lines[k]!.trim() !== "-->") return "";
  const end = k;
  while (k >= 0 && !lines[k]!.trimStart().startsWith("<!--")) k--;
  if (k < 0 || lines[k]!.trim() !== "<!-- context") return "";
  return lines.slice(k + 1, end).join("\n");
}

/**
 * The project files for a README's blocks: named blocks keep their names (two blocks naming one
 * file are an error), the others become `block-<line>.ts`. Context lines map to README line 0.
 */
export function projectFiles(blocks: ReadmeBlock[]): ProjectFile[] {
  const files = new Map<string, ProjectFile>();
  for (const block of blocks) {
    const name = block.fileName ?? `block-${block.line}.ts`;
    if (files.has(name)) {
      throw new Error(`two blocks are the file ${name} (the second at line ${block.line})`);
    }
    const context = block.context === "" ? [] : block.context.split("\n");
    const code = block.code.split("\n");
    files.set(name, {
      name,
      // `export {}` keeps a block without imports or exports a module (no global collisions).
      text: [...context, ...code, "export {};"].join("\n") + "\n",
      sourceLines: [...context.map(() => 0), ...code.map((_, n) => block.line + 1 + n), 0],
    });
  }
  return [...files.values()];
}

/**
 * The blocks of the README's quickstart: the TypeScript blocks after the `## Quickstart` heading
 * and before the next heading of any level.
 */
export function quickstartBlocks(markdown: string): ReadmeBlock[] {
  let inFence = false;
  const headings: { line: number; quickstart: boolean }[] = [];
  markdown.split("\n").forEach((l, i) => {
    if (/^\s*`{3,}/.test(l)) inFence = !inFence;
    else if (!inFence && /^#{1,6}\s/.test(l)) {
      headings.push({ line: i + 1, quickstart: /^##\s+Quickstart\s*$/.test(l) });
    }
  });
  const at = headings.findIndex((h) => h.quickstart);
  if (at < 0) return [];
  const start = headings[at]!.line;
  const end = headings[at + 1]?.line ?? Infinity;
  return extractBlocks(markdown).filter((b) => b.line > start && b.line < end);
}
