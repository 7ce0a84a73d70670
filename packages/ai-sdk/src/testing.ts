// @molecule-ai/ai-sdk/testing: deterministic models and a local platform for your own offline tests.
import { simulateReadableStream } from "ai";
import { MoleculeOptionError } from "@molecule-ai/agent-core";
import { MockLanguageModelV4, mockValues } from "ai/test";

export { startTestPlatform } from "@molecule-ai/agent-core/testing";
export type {
  TestPlatform,
  TestPlatformOptions,
  TestWorkspace,
  TestWorkspaceEnv,
} from "@molecule-ai/agent-core/testing";

type CallOptions = Parameters<MockLanguageModelV4["doGenerate"]>[0];
type Generated = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;
type Streamed = Awaited<ReturnType<MockLanguageModelV4["doStream"]>>;
type StreamPart = Streamed["stream"] extends ReadableStream<infer P> ? P : never;

/** One step of a {@link scriptedModel}: a text answer, or one tool call. */
export type ScriptedStep = string | { toolName: string; input: Record<string, unknown> };

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

function lastUserText(options: CallOptions): string {
  const user = options.prompt.filter((m) => m.role === "user").at(-1);
  return user?.content.map((p) => (p.type === "text" ? p.text : "")).join("") ?? "";
}

function toModel(
  next: (options: CallOptions) => ScriptedStep,
  streams: boolean,
): MockLanguageModelV4 {
  let calls = 0;
  const generate = (options: CallOptions): Generated => {
    const step = next(options);
    const id = `call-${++calls}`;
    return typeof step === "string"
      ? { content: [{ type: "text", text: step }], finishReason: stop, usage, warnings: [] }
      : {
          content: [
            { type: "tool-call", toolCallId: id, ...step, input: JSON.stringify(step.input) },
          ],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage,
          warnings: [],
        };
  };
  const stream = async (options: CallOptions): Promise<Streamed> => {
    const { content, finishReason } = generate(options);
    const chunks: StreamPart[] = content.flatMap((part): StreamPart[] =>
      part.type === "text"
        ? [
            { type: "text-start", id: "t" },
            ...part.text
              .split(/(?<= )/)
              .map((delta): StreamPart => ({ type: "text-delta", id: "t", delta })),
            { type: "text-end", id: "t" },
          ]
        : [part as StreamPart],
    );
    chunks.push({ type: "finish", finishReason, usage });
    return { stream: simulateReadableStream({ chunks }) };
  };
  return new MockLanguageModelV4({
    doGenerate: async (options) => generate(options),
    ...(streams ? { doStream: stream } : {}),
  });
}

const stop = { unified: "stop" as const, raw: "stop" };

/**
 * A model that answers `${prefix}${last user text}` (default prefix `"echo: "`), streamed word by
 * word. `generateOnly: true` leaves `doStream` unimplemented, like a model that cannot stream.
 */
export function echoModel(
  options: { prefix?: string; generateOnly?: boolean } = {},
): MockLanguageModelV4 {
  const prefix = options.prefix ?? "echo: ";
  return toModel((call) => `${prefix}${lastUserText(call)}`, !options.generateOnly);
}

/**
 * A model that plays `steps` in order, one per model call (the last one repeats): a string is a
 * text answer, `{ toolName, input }` a tool call. Inspect `model.doGenerateCalls` /
 * `doStreamCalls` for the prompts it received (tool results included).
 *
 * @example
 * const model = scriptedModel([{ toolName: "call_billing", input: { message: "refund?" } }, "Done."]);
 */
export function scriptedModel(steps: readonly ScriptedStep[]): MockLanguageModelV4 {
  if (steps.length === 0) {
    throw new MoleculeOptionError("steps", "scriptedModel: pass at least one step.");
  }
  const next = mockValues(...steps);
  return toModel(() => next(), true);
}
