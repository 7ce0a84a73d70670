// Finished OpenTelemetry spans as a tree (the trace dumps of the tracing tests and the docs):
// structural types, so the helpers need no OpenTelemetry package of their own.

/** The parts of a finished span (`ReadableSpan` of `@opentelemetry/sdk-trace-base`) read here. */
export interface FinishedSpan {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  parentSpanContext?: { spanId: string } | undefined;
  spanContext(): { traceId: string; spanId: string };
}

const KINDS = ["internal", "server", "client", "producer", "consumer"];

/** `span`'s ancestors among `spans`, nearest first. */
export function spanAncestors<S extends FinishedSpan>(spans: readonly S[], span: S): S[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const out: S[] = [];
  for (let p = byId.get(span.parentSpanContext?.spanId ?? ""); p;) {
    out.push(p);
    p = byId.get(p.parentSpanContext?.spanId ?? "");
  }
  return out;
}

/**
 * The spans of one trace as indented lines, children in start order: `name [kind]` and the
 * attributes `label` picks (e.g. the workspace's name). A span whose parent is not among them
 * (a remote parent) is a root, shown with `(parent: remote)`.
 */
export function spanTree<S extends FinishedSpan & { startTime: [number, number] }>(
  spans: readonly S[],
  label: (span: S) => string = () => "",
): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  const started = (a: S, b: S): number =>
    a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
  for (const s of [...spans].sort(started)) {
    const parent = s.parentSpanContext?.spanId;
    if (parent !== undefined && ids.has(parent)) {
      children.set(parent, [...(children.get(parent) ?? []), s]);
    } else roots.push(s);
  }
  const lines: string[] = [];
  const walk = (s: S, depth: number): void => {
    const extra = label(s);
    const remote = depth === 0 && s.parentSpanContext !== undefined ? " (parent: remote)" : "";
    lines.push(
      `${"  ".repeat(depth)}${s.name} [${KINDS[s.kind] ?? s.kind}]${extra ? ` ${extra}` : ""}${remote}`,
    );
    for (const c of children.get(s.spanContext().spanId) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines.join("\n");
}
