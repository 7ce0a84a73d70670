// The in-memory OpenTelemetry SDK of the tracing tests. A subpath of its own
// (`@internal/test-utils/tracing`): the index, which every test imports, must not load the SDK.
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ReadableSpan, Sampler, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/** A test file's tracer provider and the spans it has finished. */
export interface TestTracing {
  /** Every finished span (`getFinishedSpans()`; `reset()` forgets them). */
  readonly exporter: InMemorySpanExporter;
  /** The first finished span matching `pred`: one already there, or the next to end. */
  ended(pred: (span: ReadableSpan) => boolean): Promise<ReadableSpan>;
  /** Makes the provider global (tracer provider, AsyncLocalStorage context, W3C propagator). */
  register(): void;
  /** Shuts the provider down and clears the global tracer provider, context and propagator. */
  shutdown(): Promise<void>;
}

/**
 * A tracer provider that keeps its finished spans in memory, sampled by `sampler` (default: the
 * SDK's, every span). Call `register` in `beforeAll` and `shutdown` in `afterAll`.
 */
export function testTracing(options: { sampler?: Sampler } = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const listeners = new Set<(span: ReadableSpan) => void>();
  // After the exporter: a listener finds the span among the finished ones.
  const notifier: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => {
      for (const listener of listeners) listener(span);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new NodeTracerProvider({
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [new SimpleSpanProcessor(exporter), notifier],
  });
  return {
    exporter,
    ended: (pred) => {
      const done = exporter.getFinishedSpans().find(pred);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const listener = (span: ReadableSpan): void => {
          if (!pred(span)) return;
          listeners.delete(listener);
          resolve(span);
        };
        listeners.add(listener);
      });
    },
    register: () => provider.register(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
