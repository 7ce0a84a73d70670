// Subpath `@molecule-ai/agent-core/peer-tools/schemas`: the zod input schemas of the peer tools
// and the built-in tools, for the adapters whose tools take zod (LangChain, the AI SDK). The only
// peer-tools file that loads zod, so `/peer-tools` (NestJS) does not; descriptions: tool-inputs.ts.
import { z } from "zod";
import { FIELD } from "./tool-inputs.js";

/** The input schema of every peer tool: a flat object (accepted by every provider). */
export const peerToolInputSchema: z.ZodObject<{
  message: z.ZodString;
  contextId: z.ZodOptional<z.ZodString>;
  taskId: z.ZodOptional<z.ZodString>;
}> = z.object({
  message: z.string().min(1).describe(FIELD.message),
  contextId: z.string().optional().describe(FIELD.contextId),
  taskId: z.string().optional().describe(FIELD.taskId),
});

/** The input schema of a `list_peers` tool. */
export const listPeersInputSchema: z.ZodObject<{ query: z.ZodOptional<z.ZodString> }> = z.object({
  query: z.string().optional().describe(FIELD.query),
});

/** The input schema of a delegation tool (`delegate_to_peer`, `delegate_task`). */
export const delegateInputSchema: z.ZodObject<{ peerId: z.ZodString; task: z.ZodString }> =
  z.object({
    peerId: z.string().min(1).describe(FIELD.peerId),
    task: z.string().min(1).describe(FIELD.task),
  });

/** The input schema of `check_delegation` and `cancel_delegation`. */
export const workIdInputSchema: z.ZodObject<{ id: z.ZodString }> = z.object({
  id: z.string().min(1).describe(FIELD.workId),
});

/** The input schema of `wait_for_delegation`. */
export const waitWorkInputSchema: z.ZodObject<{
  id: z.ZodString;
  timeoutSeconds: z.ZodOptional<z.ZodNumber>;
}> = z.object({
  id: z.string().min(1).describe(FIELD.workId),
  timeoutSeconds: z.number().positive().optional().describe(FIELD.timeoutSeconds),
});

/** The input schema of `list_delegations` (no input). */
export const listWorkInputSchema: z.ZodObject<{}> = z.object({});
