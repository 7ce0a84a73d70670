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
 * An argument the model sees with `schema` (its JSON Schema) but that LangChain never rejects:
 * core checks it and answers a bad one with one `Error: ` line (a LangChain schema failure would
 * reach the model as a stack trace).
 */
function shown(schema: Record<string, unknown>) {
  return z.unknown().meta(schema);
}

/**
 * `remember` (commit a memory) and `recall` (search one scope: a header line, then one JSON object
 * per memory with `own`, `scope` and `writer` from the platform's record, never from the text).
 * Every failure, a bad argument included, is one `Error: ...` line the model reads.
 */
export function createMemoryTools(client: MemoryToolClient, options: MemoryToolsOptions = {}) {
  const writeScopes = options.writeScopes ?? ["LOCAL", "TEAM"];
  const remember = tool(
    (input: { content?: unknown; scope?: unknown }) =>
      rememberForTool(
        client,
        { content: input.content, scope: input.scope },
        options.namespace,
        writeScopes,
      ),
    {
      name: "remember",
      description: MEMORY_TOOL_DESCRIPTIONS.remember,
      schema: z.object({
        content: shown({
          type: "string",
          minLength: 1,
          description: "The fact to remember, self-contained.",
        }),
        scope: shown({
          type: "string",
          enum: writeScopes,
          description: "Who may read it (default LOCAL).",
        }).optional(),
      }),
    },
  );
  const recall = tool(
    (input: { query?: unknown; scope?: unknown }) =>
      recallForTool(client, input, options.namespace),
    {
      name: "recall",
      description: MEMORY_TOOL_DESCRIPTIONS.recall,
      schema: z.object({
        query: shown({
          type: "string",
          description: "Words to search for (full-text, stemmed).",
        }).optional(),
        scope: shown({ type: "string", enum: ["LOCAL", "TEAM", "GLOBAL"] }).optional(),
      }),
    },
  );
  return { remember, recall };
}
