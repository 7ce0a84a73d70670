// The `remember` and `recall` tools, written once for every adapter: name, description, input
// schema and what runs (each adapter wraps them in its framework's tool). Each
// argument is shown to the model with its JSON Schema but never rejected by the framework: core's
// `rememberForTool` / `recallForTool` check it and answer a bad one with one `Error: ` line (a
// framework's schema failure would reach the model as a stack trace or a multi-line zod dump).
import { z } from "zod";
import {
  MEMORY_TOOL_DESCRIPTIONS,
  type MemoryScope,
  type MemoryToolClient,
  recallForTool,
  rememberForTool,
} from "../platform/index.js";

/** An argument the model sees with `schema` (its JSON Schema) that the framework never rejects. */
function shown(schema: Record<string, unknown>) {
  return z.unknown().meta(schema);
}

/** Options of the `remember` and `recall` tools (`createMemoryTools`, `memoryTools`). */
export interface MemoryToolsOptions {
  /** Scopes the model may write (default `["LOCAL", "TEAM"]`; add `"GLOBAL"` only on a root). */
  writeScopes?: MemoryScope[] | undefined;
  /** One namespace for everything the tools write and read (default: all; writes `"general"`). */
  namespace?: string | undefined;
}

/**
 * The `remember` and `recall` tools on `client`: `remember` writes the scopes in `writeScopes`
 * (default `LOCAL` and `TEAM`), both keep to `namespace` when given. `run` answers one line of
 * text, `Error: ...` for every failure.
 */
export function memoryToolSpecs(client: MemoryToolClient, options: MemoryToolsOptions = {}) {
  const { namespace, writeScopes = ["LOCAL", "TEAM"] } = options;
  const remember = {
    name: "remember" as const,
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
    run: (input: { content?: unknown; scope?: unknown }) =>
      rememberForTool(
        client,
        { content: input.content, scope: input.scope },
        namespace,
        writeScopes,
      ),
  };
  const recall = {
    name: "recall" as const,
    description: MEMORY_TOOL_DESCRIPTIONS.recall,
    schema: z.object({
      query: shown({
        type: "string",
        description: "Words to search for (full-text, stemmed).",
      }).optional(),
      scope: shown({ type: "string", enum: ["LOCAL", "TEAM", "GLOBAL"] }).optional(),
    }),
    run: (input: { query?: unknown; scope?: unknown }) => recallForTool(client, input, namespace),
  };
  return { remember, recall };
}
