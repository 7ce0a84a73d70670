// A span over an answer that may be streamed as it is generated: the work of each chunk (an LLM
// framework's stream, the spans it starts) runs in it, and it ends with the stream.
import type { Context } from "@opentelemetry/api";
import type { OTelApi } from "./otel.js";
import { failSpan, startSpan, type Kind, type SpanAttributes } from "./spans.js";

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === "function"
  );
}

/**
 * Runs `start` in a new span (a child of `parent`). When it resolves with an async iterable, the
 * span stays open over it: each `next()` runs in it, and it ends when the stream is read to its
 * end, throws, or its reader stops (`return`); any other answer ends it at once. A span that is
 * not sampled is still the active one (its trace id carries on).
 */
export async function spanOverAnswer<T>(
  api: OTelApi,
  name: string,
  kind: Kind,
  attributes: SpanAttributes,
  parent: Context,
  start: () => Promise<T>,
): Promise<T> {
  const { span, context: ctx } = startSpan(api, name, kind, attributes, parent);
  let ended = false;
  const end = (err?: unknown): void => {
    if (ended) return;
    ended = true;
    if (err !== undefined) failSpan(span, err);
    span.end();
  };
  let answer: T;
  try {
    answer = await api.context.with(ctx, start);
  } catch (err) {
    end(err);
    throw err;
  }
  if (!isAsyncIterable(answer)) {
    end();
    return answer;
  }
  const source = api.context.with(ctx, () => answer[Symbol.asyncIterator]());
  const step = async (
    run: () => Promise<IteratorResult<unknown>> | undefined,
  ): Promise<IteratorResult<unknown>> => {
    try {
      const result = (await api.context.with(ctx, run)) ?? { done: true, value: undefined };
      if (result.done) end();
      return result;
    } catch (err) {
      end(err);
      throw err;
    }
  };
  const iterator: AsyncIterableIterator<unknown> = {
    next: () => step(() => source.next()),
    return: (value?: unknown) => step(() => source.return?.(value)).finally(() => end()),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator as T;
}
