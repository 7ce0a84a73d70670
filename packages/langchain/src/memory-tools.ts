// `remember` and `recall`: Molecule org memory as LangChain tools.
import { tool } from "@langchain/core/tools";
import {
  MEMORY_TOOL_DESCRIPTIONS,
  type MemoryScope,
  type MemoryToolClient,
  recallForTool,
  rememberForTool,
} from "@molecule-ai/agent-core/org";
import { z } from "zod/v4";

export type { MemoryToolClient } from "@molecule-ai/agent-core/org";

/** Options of {@link createMemoryTools}. */
export interface MemoryToolsOptions {
  /** Scopes the model may write (default `["LOCAL", "TEAM"]`; add `"GLOBAL"` only on a root). */
  writeScopes?: MemoryScope[] | undefined;
  /** A namespace for everything these tools write and read (default: all, writes `"general"`). */
  namespace?: string | undefined;
}

/**
 * `remember` (commit a memory) and `recall` (search one scope; another workspace's memories are
 * marked `from <workspace id>` and their text is treated as peer output: GLOBAL rows keep the
 * platform's `[MEMORY …]: ` prefix, spoofed markers are neutralised).
 */
export function createMemoryTools(client: MemoryToolClient, options: MemoryToolsOptions = {}) {
  const writeScopes = options.writeScopes ?? ["LOCAL", "TEAM"];
  const remember = tool(
    (input: { content: string; scope?: MemoryScope | undefined }) =>
      rememberForTool(client, input, options.namespace),
    {
      name: "remember",
      description: MEMORY_TOOL_DESCRIPTIONS.remember,
      schema: z.object({
        content: z.string().min(1).describe("The fact to remember, self-contained."),
        scope: z
          .enum(writeScopes as [MemoryScope, ...MemoryScope[]])
          .optional()
          .describe("Who may read it (default LOCAL)."),
      }),
    },
  );
  const recall = tool(
    (input: { query?: string | undefined; scope?: MemoryScope | undefined }) =>
      recallForTool(client, input, options.namespace),
    {
      name: "recall",
      description: MEMORY_TOOL_DESCRIPTIONS.recall,
      schema: z.object({
        query: z.string().optional().describe("Words to search for (full-text, stemmed)."),
        scope: z.enum(["LOCAL", "TEAM", "GLOBAL"]).optional(),
      }),
    },
  );
  return { remember, recall };
}
