// `remember` and `recall`: Molecule org memory as LangChain tools.
import { tool } from "@langchain/core/tools";
import {
  memoryToolSpecs,
  type MemoryToolsOptions,
  type MemoryToolClient,
} from "@molecule-ai/agent-core/org";

export type { MemoryToolClient, MemoryToolsOptions } from "@molecule-ai/agent-core/org";

/**
 * `remember` (commit a memory) and `recall` (search one scope: a header line, then one JSON object
 * per memory with `own`, `scope` and `writer` from the platform's record, never from the text).
 * Every failure, a bad argument included, is one `Error: ...` line the model reads.
 */
export function createMemoryTools(client: MemoryToolClient, options: MemoryToolsOptions = {}) {
  const { remember: r, recall: q } = memoryToolSpecs(client, options);
  return {
    remember: tool(r.run, { name: r.name, description: r.description, schema: r.schema }),
    recall: tool(q.run, { name: q.name, description: q.description, schema: q.schema }),
  };
}
