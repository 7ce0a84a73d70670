// Traffic: the latest calls as a list, and one traced exchange across its hops.
import { h, Section, type VNode } from "./h.js";
import { org, roundTrip, traces, type CanvasTraffic, type TraceHop } from "./model.js";

/** Rows of the traffic list. */
const TRAFFIC_ROWS = 50;

export function Outcome(props: { t: CanvasTraffic }): VNode {
  return h("span", { class: `badge out out-${props.t.outcome}` }, props.t.outcome);
}

/** A row's time of day (this browser's clock): it never changes, so a row is laid out once. */
const clock = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

export function TrafficPanel(): VNode {
  const recent = org.traffic.slice(-TRAFFIC_ROWS).toReversed();
  return h(
    Section,
    { id: "traffic", title: "Traffic" },
    recent.length === 0
      ? h("p", null, "No calls yet.")
      : h(
          "ol",
          { class: "traffic", "aria-label": "most recent first" },
          // Few nodes a row: under load about 20 rows arrive with every frame.
          recent.map((t) =>
            h(
              "li",
              { key: t.id, "data-traffic": t.id, "data-from": t.from ?? "canvas", "data-to": t.to },
              h("span", { class: "hop" }, `${org.name(t.from)} → ${org.name(t.to)}`),
              " ",
              h(Outcome, { t }),
              h(
                "span",
                { class: "when" },
                ` ${t.kind === "message" ? (t.method ?? "message") : t.kind}${roundTrip(t, org.answerOf.get(t.id))} · ${clock.format(t.at - org.offset)}`,
              ),
            ),
          ),
        ),
  );
}

export function TracePanel(props: { chosen: string | null; onChoose: (k: string) => void }): VNode {
  const list = traces(org.traffic);
  const current = list.find((t) => t.traceId === props.chosen) ?? list[0];
  const hop = (x: TraceHop): VNode =>
    h(
      "li",
      { key: x.item.id },
      h("span", { class: "hop" }, `${org.name(x.item.from)} → ${org.name(x.item.to)}`),
      " ",
      h(Outcome, { t: x.item }),
      roundTrip(x.item, org.answerOf.get(x.item.id)),
      x.children.length > 0 ? h("ol", null, x.children.map(hop)) : null,
    );
  return h(
    Section,
    { id: "trace", title: "Trace" },
    current === undefined
      ? h(
          "p",
          null,
          "No traced calls yet: agents send trace context (a W3C traceparent) when OpenTelemetry is on.",
        )
      : h(
          "div",
          null,
          h(
            "label",
            { for: "trace-pick" },
            "Trace id ",
            h(
              "select",
              {
                id: "trace-pick",
                value: current.traceId,
                onChange: (e: Event) => props.onChoose((e.target as HTMLSelectElement).value),
              },
              list.slice(0, 50).map((t) => {
                const first = t.hops[0]!.item;
                return h(
                  "option",
                  { key: t.traceId, value: t.traceId },
                  `${org.name(first.from)} → ${org.name(first.to)} · ${countHops(t.hops)} hop${countHops(t.hops) === 1 ? "" : "s"} · ${t.traceId.slice(0, 8)}`,
                );
              }),
            ),
          ),
          h("ol", { class: "trace", "data-trace": current.traceId }, current.hops.map(hop)),
        ),
  );
}

function countHops(hops: TraceHop[]): number {
  return hops.reduce((n, x) => n + 1 + countHops(x.children), 0);
}
