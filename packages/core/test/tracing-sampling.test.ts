// A span the sampler drops is still the active one while its work runs: with a parent-based
// sampler the spans inside are dropped with it, and an outgoing message carries its trace context,
// instead of each inner call starting a trace of its own.
import { trace } from "@opentelemetry/api";
import { ParentBasedSampler, SamplingDecision, type Sampler } from "@opentelemetry/sdk-trace-base";
import { testTracing } from "@internal/test-utils/tracing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inSpan } from "../src/observability/spans.js";
import { traceMetadata } from "../src/observability/index.js";

/** Samples every root span except those named "dropped". */
const byName: Sampler = {
  shouldSample: (_ctx, _traceId, name) => ({
    decision:
      name === "dropped" ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED,
  }),
  toString: () => "byName",
};
const { exporter, register, shutdown } = testTracing({
  sampler: new ParentBasedSampler({ root: byName }),
});

beforeAll(register);
afterAll(shutdown);

describe("inSpan with a span the sampler drops", () => {
  it("runs the work under it: inner spans are dropped too and outgoing metadata carries its trace", async () => {
    let outerTrace: string | undefined;
    let sent: Record<string, unknown> | undefined;
    await inSpan("dropped", "server", {}, async (span) => {
      expect(span).toBeUndefined();
      outerTrace = trace.getActiveSpan()?.spanContext().traceId;
      await inSpan("inner", "client", {}, async () => {
        sent = traceMetadata();
      });
    });
    await inSpan("kept", "client", {}, async () => undefined);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["kept"]);
    expect(outerTrace).toMatch(/^[0-9a-f]{32}$/);
    expect(String(sent?.["traceparent"])).toContain(`-${outerTrace}-`);
    expect(String(sent?.["traceparent"])).toMatch(/-00$/);
  });
});
