// Molecule peers as OpenAI Agents SDK function tools: one per peer (`call_<slug>`), plus
// `list_peers` and `delegate_to_peer`. Names, descriptions, outcomes and the text the model reads
// are core's (`@molecule-ai/agent-core/peer-tools`), the same as in every other adapter.
import {
  DELEGATE_DESCRIPTION,
  DELEGATE_TOOL_NAME,
  delegateStep,
  failedStepAnswer,
  LIST_PEERS_DESCRIPTION,
  LIST_PEERS_TOOL_NAME,
  listPeersStep,
  PEER_TOOL_INPUT_JSON_SCHEMA,
  peerToolStep,
  planPeerToolkit,
  toolClientOf,
  CANCEL_WORK_DESCRIPTION,
  CANCEL_WORK_TOOL_NAME,
  cancelWorkStep,
  CHECK_WORK_DESCRIPTION,
  CHECK_WORK_TOOL_NAME,
  checkWorkStep,
  LIST_WORK_DESCRIPTION,
  LIST_WORK_TOOL_NAME,
  listWorkStep,
  WAIT_WORK_DESCRIPTION,
  WAIT_WORK_TOOL_NAME,
  waitWorkStep,
} from "@molecule-ai/agent-core/peer-tools";
import type {
  AgentSource,
  OnPeerError,
  PeerToolkitClient,
  PeerToolkitOptions,
  ToolStep,
  WorkClient,
  WorkLedger,
  WorkToolsOptions,
} from "@molecule-ai/agent-core/peer-tools";
import {
  delegateInputSchema,
  listPeersInputSchema,
  peerToolInputSchema,
  listWorkInputSchema,
  waitWorkInputSchema,
  workIdInputSchema,
} from "@molecule-ai/agent-core/peer-tools/schemas";
import { tool } from "@openai/agents";
import type { FunctionTool } from "@openai/agents";
import { z } from "zod";

/** An OpenAI Agents SDK function tool of this package (its input is checked against core's schema). */
export type MoleculeFunctionTool = FunctionTool<unknown, undefined, string>;

/** Options of {@link peerTools}: core's toolkit options (filters, names, `onError`, timeouts, built-ins). */
export type PeerToolsOptions = PeerToolkitOptions;

type JsonObjectSchema = Extract<Parameters<typeof tool>[0], { strict: false }>["parameters"];

/** The JSON Schema the model reads for a zod input schema of core (same fields and texts). */
function jsonSchemaOf(schema: z.ZodType): JsonObjectSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  return rest as JsonObjectSchema;
}

/**
 * A function tool whose input is parsed with `schema` (a model's malformed call gets the reason as
 * the tool result, as in the other adapters) and whose step runs under `onError`: a peer-side
 * failure is the text the model reads; this workspace's own failure (bad token, removed workspace,
 * abort) rejects the run (`errorFunction: null`: the SDK does not turn it into a generic message).
 */
export function moleculeTool<I>(
  spec: {
    name: string;
    description: string;
    parameters: JsonObjectSchema;
    schema: z.ZodType<I>;
    onError: OnPeerError;
  },
  step: (
    input: I,
    signal: AbortSignal | undefined,
    callId: string | undefined,
  ) => Promise<ToolStep<unknown>>,
): MoleculeFunctionTool {
  const { name, description, parameters, schema, onError } = spec;
  return tool({
    name,
    description,
    parameters,
    strict: false,
    errorFunction: null,
    async execute(raw, _context, details) {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        return `Error: invalid input for ${name}: ${z.prettifyError(parsed.error)}`;
      }
      const signal = details?.signal;
      const outcome = await step(parsed.data, signal, details?.toolCall?.callId);
      return outcome.ok ? outcome.text : failedStepAnswer(outcome, onError, signal).content;
    },
  }) as MoleculeFunctionTool;
}

// What each tool of `peerTools` was built from: `createPeerMessageHandler` registers its model
// check with that `RemoteAgent`, so `start()` runs it even when the handler it was given wraps
// this one (see core's `addStartCheck`).
const sources = new WeakMap<object, object>();

/** The `source` a tool of {@link peerTools} was built from (a `RemoteAgent` or a client). */
export function peerToolSource(tool: unknown): object | undefined {
  return typeof tool === "object" && tool !== null ? sources.get(tool) : undefined;
}

/**
 * Lists this workspace's peers and returns them as OpenAI Agents SDK function tools: one per peer
 * (`call_<slug>`, colliding names get an id suffix), plus `list_peers` and `delegate_to_peer`
 * unless `listPeers` / `delegate` is `false`. What the model reads of a peer's answer is core's
 * `peerResultText` (the boundary stripped, peer text neutralised and labelled untrusted).
 *
 * @param source - A running `RemoteAgent` (calls await a polling peer's answer) or a `PlatformClient`.
 * @param options - Peer filters, tool names, `onError` (default `"return"`), timeouts, the built-ins.
 * @example
 * const agent = new Agent({ name: "Writer", instructions: "...", tools: await peerTools(client) });
 */
export async function peerTools(
  source: PeerToolkitClient | AgentSource,
  options: PeerToolsOptions = {},
): Promise<MoleculeFunctionTool[]> {
  const needed = ["listPeers", "callPeer", ...(options.delegate === false ? [] : ["delegate"])];
  if (options.delegations) needed.push("listDelegations", "peerTasks");
  const client = toolClientOf<PeerToolkitClient>(source, needed, "peerTools");
  const { query: q, fresh, signal } = options;
  const plan = planPeerToolkit(await client.listPeers({ q, fresh, signal }), options);
  const onError = options.onError ?? "return";
  const { timeoutMs, via, callOptions } = options;
  // With the follow-up tools, the peer tools hold the unfinished tasks they are answered with.
  const ledger = plan.work?.ledger ?? options.ledger;
  const tools = plan.peerTools.map(({ peer, name, description }) =>
    moleculeTool(
      {
        name,
        description,
        parameters: PEER_TOOL_INPUT_JSON_SCHEMA as unknown as JsonObjectSchema,
        schema: peerToolInputSchema,
        onError,
      },
      (input, callSignal) =>
        peerToolStep(client, peer, input, {
          timeoutMs,
          via,
          callOptions,
          ledger,
          signal: callSignal,
        }),
    ),
  );
  if (plan.listPeers) {
    const list = plan.listPeers;
    tools.push(
      moleculeTool(
        {
          name: list.name ?? LIST_PEERS_TOOL_NAME,
          description: list.description ?? LIST_PEERS_DESCRIPTION,
          parameters: jsonSchemaOf(listPeersInputSchema),
          schema: listPeersInputSchema,
          onError: list.onError ?? onError,
        },
        (input, callSignal) =>
          listPeersStep(client, input, { selection: list, signal: callSignal }),
      ),
    );
  }
  if (plan.delegate) {
    const delegate = plan.delegate;
    const allowed = new Set(delegate.allowedPeerIds ?? []);
    tools.push(
      moleculeTool(
        {
          name: delegate.name ?? DELEGATE_TOOL_NAME,
          description: delegate.description ?? DELEGATE_DESCRIPTION,
          parameters: jsonSchemaOf(delegateInputSchema),
          schema: delegateInputSchema,
          onError: delegate.onError ?? onError,
        },
        (input, callSignal, toolCallId) =>
          delegateStep(client, input, {
            allowed,
            idempotencyKey: delegate.idempotencyKey,
            toolCallId,
            signal: callSignal,
          }),
      ),
    );
  }
  if (plan.work)
    tools.push(...workFunctionTools(client as unknown as WorkClient, plan.work, onError));
  for (const t of tools) sources.set(t, source);
  return tools;
}

/**
 * The follow-up tools of the work this agent started (`check_delegation`, `wait_for_delegation`,
 * `cancel_delegation`, `list_delegations`): core's steps over the toolkit's ledger; only this
 * workspace's delegations and the tasks its peer tools hold are reachable.
 */
function workFunctionTools(
  client: WorkClient,
  options: WorkToolsOptions & { ledger: WorkLedger },
  fallback: OnPeerError,
): MoleculeFunctionTool[] {
  const { ledger, names = {}, maxWaitMs, pollMs } = options;
  const onError = options.onError ?? fallback;
  const check = names.check ?? CHECK_WORK_TOOL_NAME;
  const wait = names.wait ?? WAIT_WORK_TOOL_NAME;
  const cancel = names.cancel ?? CANCEL_WORK_TOOL_NAME;
  const list = names.list ?? LIST_WORK_TOOL_NAME;
  const idSchema = jsonSchemaOf(workIdInputSchema);
  return [
    moleculeTool(
      {
        name: check,
        description: CHECK_WORK_DESCRIPTION,
        parameters: idSchema,
        schema: workIdInputSchema,
        onError,
      },
      (input, signal, toolCallId) =>
        checkWorkStep(client, ledger, input, { toolName: check, toolCallId, signal }),
    ),
    moleculeTool(
      {
        name: wait,
        description: WAIT_WORK_DESCRIPTION,
        parameters: jsonSchemaOf(waitWorkInputSchema),
        schema: waitWorkInputSchema,
        onError,
      },
      (input, signal, toolCallId) =>
        waitWorkStep(client, ledger, input, {
          toolName: wait,
          toolCallId,
          signal,
          maxWaitMs,
          pollMs,
        }),
    ),
    moleculeTool(
      {
        name: cancel,
        description: CANCEL_WORK_DESCRIPTION,
        parameters: idSchema,
        schema: workIdInputSchema,
        onError,
      },
      (input, signal, toolCallId) =>
        cancelWorkStep(client, ledger, input, { toolName: cancel, toolCallId, signal }),
    ),
    moleculeTool(
      {
        name: list,
        description: LIST_WORK_DESCRIPTION,
        parameters: jsonSchemaOf(listWorkInputSchema),
        schema: listWorkInputSchema,
        onError,
      },
      (_input, signal, toolCallId) =>
        listWorkStep(client, ledger, { toolName: list, toolCallId, signal }),
    ),
  ];
}
