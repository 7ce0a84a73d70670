// `./dev demo --trace`: records the SDK's OpenTelemetry spans in memory and prints one request's
// trace as a tree (which agent did what, how long it took). Loaded only with --trace or --keep
// (the canvas's Trace view needs the trace context the agents send only with OpenTelemetry on).
import { trace } from "@opentelemetry/api";
import type { Context, Span } from "@opentelemetry/api";
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ms, padEnd } from "./format.js";

/** One span in the printed tree. */
export interface TraceNode {
  name: string;
  /** The workspace name the span belongs to (its own, or its parent's for platform requests). */
  agent: string;
  durationMs: number;
  detail: string;
  children: TraceNode[];
}

/** The tracing of one demo run. */
export interface DemoTracing {
  /** Runs `fn` in a root span named `name`: the request whose trace `print` shows. */
  record<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Prints the recorded request's spans as a tree (step 6 of the transcript); returns it. */
  print(
    print: (line?: string) => void,
    width: number,
    nameOf: (workspaceId: string) => string,
  ): TraceNode[];
  /** Stops keeping this run's spans. */
  stop(): Promise<void>;
}

/** The spans the running demo keeps (with `--trace`), or none. */
let kept: ReadableSpan[] | undefined;

/** Hands each ended span to the running demo, when it keeps them. */
const keeper: SpanProcessor = {
  onStart: (_span: SdkSpan, _parent: Context) => undefined,
  onEnd: (span: ReadableSpan) => void kept?.push(span),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/**
 * The tracer provider, registered (global) once per process and left registered: a provider
 * registered again after `disable()` is not the one the SDK's own copy of the API sees.
 */
let registered = false;

/**
 * Turns OpenTelemetry on for this run (before any agent starts). `keep: false` keeps no span (a
 * long-running org: the agents still send trace context, which the canvas's Trace view shows).
 */
export function startTracing(options: { keep?: boolean } = {}): DemoTracing {
  if (!registered) {
    new NodeTracerProvider({ spanProcessors: [keeper] }).register();
    registered = true;
  }
  const spans: ReadableSpan[] = [];
  kept = options.keep === false ? undefined : spans;
  const tracer = trace.getTracer("molecule-demo");
  let traceId: string | undefined;
  return {
    async record(name, fn) {
      return await tracer.startActiveSpan(name, async (span: Span) => {
        traceId = span.spanContext().traceId;
        try {
          return await fn();
        } finally {
          span.end();
        }
      });
    },
    print(print, width, nameOf) {
      const roots = buildTree(
        spans.filter((s) => s.spanContext().traceId === traceId),
        nameOf,
      );
      print();
      print("6. One request as a trace (OpenTelemetry spans from every agent, one trace id)");
      print(
        "  (a remote parent: the caller's span, from the traceparent in the A2A message metadata)",
      );
      for (const line of treeLines(roots, width)) print(line);
      return roots;
    },
    async stop() {
      if (kept === spans) kept = undefined;
    },
  };
}

const micros = (t: [number, number]): number => t[0] * 1e6 + t[1] / 1e3;

function detailOf(s: ReadableSpan, nameOf: (id: string) => string): string {
  const a = s.attributes;
  const peer = typeof a["molecule.peer.id"] === "string" ? nameOf(a["molecule.peer.id"]) : "";
  if (s.name === "molecule.peer_call")
    return `→ ${peer} (${String(a["molecule.peer_call.status"] ?? "?")})`;
  if (s.name === "molecule.reply") return `→ ${peer}`;
  if (s.name === "molecule.handle_message") {
    const remote = s.parentSpanContext?.isRemote ? ", remote parent" : "";
    return `(${String(a["molecule.delivery"])}, ${String(a["molecule.handler.outcome"] ?? "?")}${remote})`;
  }
  if (a["http.response.status_code"] !== undefined) return String(a["http.response.status_code"]);
  return "";
}

/** Builds the span trees of one trace. */
export function buildTree(spans: ReadableSpan[], nameOf: (id: string) => string): TraceNode[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const kids = new Map<string | undefined, ReadableSpan[]>();
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    const key = parent !== undefined && byId.has(parent) ? parent : undefined;
    kids.set(key, [...(kids.get(key) ?? []), s]);
  }
  const node = (s: ReadableSpan, inherited: string): TraceNode => {
    const ws = s.attributes["molecule.workspace.id"];
    const agent = typeof ws === "string" ? nameOf(ws) : inherited;
    const children = (kids.get(s.spanContext().spanId) ?? [])
      .toSorted((x, y) => micros(x.startTime) - micros(y.startTime))
      .map((c) => node(c, agent));
    return {
      name: s.name,
      agent,
      durationMs: (micros(s.endTime) - micros(s.startTime)) / 1000,
      detail: detailOf(s, nameOf),
      children,
    };
  };
  return (kids.get(undefined) ?? [])
    .toSorted((x, y) => micros(x.startTime) - micros(y.startTime))
    .map((s) => node(s, "demo"));
}

/** The tree as transcript lines: agent, indented span name and detail, duration. */
export function treeLines(roots: TraceNode[], width: number): string[] {
  const lines: string[] = [];
  const walk = (n: TraceNode, depth: number): void => {
    const label = `${"  ".repeat(depth)}${n.name}${n.detail ? ` ${n.detail}` : ""}`;
    lines.push(`  ${padEnd(n.agent, 12)}${padEnd(label, width - 22)}${ms(n.durationMs)}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines;
}
