// The org: every workspace as a card in its parent/child tree, with the recent traffic drawn as
// arcs between the cards.
import { Component } from "preact";
import { useLayoutEffect } from "preact/hooks";
import { h, Section, TRAILING_MS, type VNode } from "./h.js";
import { age, org, type CanvasTraffic, type CanvasWorkspace } from "./model.js";

/** Traffic younger than this is drawn as an edge between its two cards (ms). */
const EDGE_MS = 10_000;
/** At most this many arcs (the most recent pairs of cards). */
const MAX_EDGES = 24;
/** The arcs are redrawn at most this often (ms). */
const EDGES_MS = 500;
/** Space kept free right of the arcs and labels (px). */
const EDGE_MARGIN = 4;
/** An arc label's line height, and the width of one of its characters at most (px, 12 px text). */
const LABEL_H = 14;
const CHAR_W = 7;
/** An arc's colour (and arrowhead) by its call's outcome. */
const TONE: Record<string, string> = {
  failed: "bad",
  "dead-lettered": "bad",
  queued: "warn",
  pending: "warn",
  dispatched: "warn",
};

export function OrgPanel(props: {
  now: number;
  selected: string | null;
  onSelect: (id: string) => void;
}): VNode {
  const { roots, children } = org.tree();
  // Edges: drawn after each render from the cards' positions (no re-render loop).
  const node = (w: CanvasWorkspace): VNode =>
    h(
      "li",
      { key: w.id },
      h(Card, {
        w,
        heartbeat: age(props.now, w.lastHeartbeatAt),
        selected: props.selected === w.id,
        onSelect: props.onSelect,
      }),
      children.has(w.id) ? h("ul", { class: "tree" }, children.get(w.id)!.map(node)) : null,
    );
  return h(
    Section,
    { id: "org", title: "Org", cls: "org" },
    h(
      "div",
      { class: "org-box", ref: (el: HTMLDivElement | null) => void (box = el) },
      h("svg", {
        class: "edges",
        ref: (el: SVGSVGElement | null) => void (svg = el),
        "aria-hidden": "true",
      }),
      roots.length === 0
        ? h("p", null, "No workspaces yet: create one below, or start agents.")
        : h("ul", { class: "tree root", ref: watchTree }, roots.map(node)),
    ),
  );
}

const STATUS_TEXT: Record<string, string> = {
  online: "online",
  offline: "offline",
  paused: "paused",
  removed: "removed",
  awaiting_agent: "awaiting agent",
  provisioning: "provisioning",
  degraded: "degraded",
  failed: "failed",
  hibernated: "hibernated",
};

/** Statuses in which the platform forwards a call to the agent's URL. */
const CALLABLE = new Set(["online", "degraded"]);

interface CardProps {
  w: CanvasWorkspace;
  heartbeat: string;
  selected: boolean;
  onSelect: (id: string) => void;
}

/** The card fields a card shows (a heartbeat alone changes only `lastHeartbeatAt`, shown as its age). */
const SHOWN = [
  "name",
  "role",
  "status",
  "remote",
  "delivery",
  "hasUrl",
  "activeTasks",
  "currentTask",
] as const;

/**
 * A workspace card; re-rendered only when what it shows changes (200 cards, each updated by its
 * heartbeats once a second).
 */
class Card extends Component<CardProps> {
  override shouldComponentUpdate(next: CardProps): boolean {
    const p = this.props;
    return (
      p.heartbeat !== next.heartbeat ||
      p.selected !== next.selected ||
      p.onSelect !== next.onSelect ||
      SHOWN.some((k) => p.w[k] !== next.w[k])
    );
  }

  override render(): VNode {
    return cardView(this.props);
  }
}

function cardView(props: CardProps): VNode {
  const w = props.w;
  // What a call will get: a push workspace without a URL is refused (503), whatever its status.
  const noUrl = w.delivery === "push" && !w.hasUrl && CALLABLE.has(w.status);
  const status = `${STATUS_TEXT[w.status] ?? w.status}${noUrl ? " · no URL" : ""}`;
  return h(
    "button",
    {
      type: "button",
      class: `card status-${w.status}${props.selected ? " selected" : ""}`,
      "data-ws": w.id,
      "data-name": w.name,
      "aria-pressed": props.selected,
      onClick: () => props.onSelect(w.id),
    },
    h("span", { class: "card-name" }, w.name),
    w.role !== null ? h("span", { class: "card-role" }, w.role) : null,
    h(
      "span",
      { class: "badges" },
      h(
        "span",
        {
          class: `badge st st-${noUrl ? "no-url" : w.status}`,
          "data-status": w.status,
          ...(noUrl
            ? {
                "data-no-url": "true",
                title:
                  'calls through the platform get 503 "workspace has no URL" until its agent registers one',
              }
            : {}),
        },
        status,
      ),
      w.remote
        ? h(
            "span",
            { class: "badge remote", title: "an external agent: it runs outside the platform" },
            "REMOTE",
          )
        : null,
      h("span", { class: "badge" }, `${w.delivery} delivery`),
    ),
    h(
      "span",
      { class: "card-facts" },
      `heartbeat ${props.heartbeat} · ${w.activeTasks} active task${w.activeTasks === 1 ? "" : "s"}`,
    ),
    noUrl
      ? h("span", { class: "card-task" }, "calls get 503 until its agent registers a URL")
      : null,
    w.currentTask !== "" ? h("span", { class: "card-task" }, w.currentTask) : null,
  );
}

/** The tree's box and the arc layer over it (set by OrgPanel). */
let box: HTMLDivElement | null = null;
let svg: SVGSVGElement | null = null;

/**
 * Set when the tree changed size (a ResizeObserver tells, after the browser's own layout; reading
 * the sizes in every render instead forced a layout of its own in each feed frame): the card
 * anchors are measured again. The tree's width follows the box's, its height the cards'.
 */
let resized = true;
const sizes = new ResizeObserver(() => {
  resized = true;
  drawEdges(box, svg, org.now());
});

function watchTree(el: HTMLUListElement | null): void {
  sizes.disconnect();
  resized = true;
  if (el !== null) sizes.observe(el);
}

/**
 * Draws the arcs of the recent traffic over the org's cards after every render of the page (the
 * cards themselves render only when they change); nothing of its own in the DOM. A layout effect:
 * the arcs change before the browser draws the render's frame, not in a frame of their own.
 */
export function Edges(props: { now: number }): null {
  useLayoutEffect(() => drawEdges(box, svg, props.now));
  return null;
}

/** Card anchors, measured when the tree's size changes or every 5 s (layout is costly). */
type Anchor = { x: number; y: number };
let anchors = new Map<string, Anchor>();
/** The box's width: arcs and labels stay inside it. */
let width = 0;
let anchorsAt = 0;
let edgesKey = "";
/** When the arcs were last drawn, and the trailing draw after skipped ones. */
let edgesAt = 0;
let edgesLater: ReturnType<typeof setTimeout> | undefined;

function drawEdges(box: HTMLElement | null, svg: SVGSVGElement | null, now: number): void {
  if (box === null || svg === null) return;
  const remeasure = resized || Date.now() - anchorsAt > 5_000;
  // Under load the arcs change with every message: repainting them (the whole tree's area) ten
  // times a second costs the browser most of its work, so they are redrawn at most every EDGES_MS.
  const wait = EDGES_MS - (performance.now() - edgesAt);
  if (!remeasure && wait > 0) {
    edgesLater ??= setTimeout(() => {
      edgesLater = undefined;
      drawEdges(box, svg, org.now());
    }, wait + TRAILING_MS);
    return;
  }
  clearTimeout(edgesLater);
  edgesLater = undefined;
  edgesAt = performance.now();
  if (remeasure) {
    resized = false;
    anchorsAt = Date.now();
    width = box.clientWidth;
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(box.scrollHeight));
    // Each card's right edge: an edge is an arc from the caller's right edge to the callee's,
    // bulging into the free space right of the tree (cards are stacked: straight lines would hide).
    const origin = box.getBoundingClientRect();
    anchors = new Map();
    for (const el of box.querySelectorAll<HTMLElement>("[data-ws]")) {
      const r = el.getBoundingClientRect();
      anchors.set(el.dataset["ws"]!, {
        x: r.right - origin.left + box.scrollLeft,
        y: r.top - origin.top + box.scrollTop + r.height / 2,
      });
    }
  }
  const anchor = anchors;
  // The most recent exchange per pair of cards.
  const latest = new Map<string, CanvasTraffic>();
  for (const t of org.traffic)
    if (t.from !== null && t.from !== t.to && now - t.at < EDGE_MS) {
      const pair = `${t.from}>${t.to}`;
      latest.delete(pair); // re-inserted: the map stays in order of last use
      latest.set(pair, t);
    }
  // The most recent pairs only: beyond a couple of dozen arcs a picture says nothing (the traffic
  // list has the rest), and each arc costs the browser paint work.
  while (latest.size > MAX_EDGES) latest.delete(latest.keys().next().value!);
  const drawn = [...latest.values()].map((t) => `${t.id}:${t.outcome}`).join(",");
  if (!remeasure && drawn === edgesKey) return;
  edgesKey = drawn;
  const ns = "http://www.w3.org/2000/svg";
  // The arcs first: each bulges right into the gutter the cards leave free (style.css: --gutter);
  // with both control points at x its rightmost point is at most (far + 3x) / 4, inside the box.
  const arcs: { t: CanvasTraffic; a: Anchor; b: Anchor; x: number; peak: number }[] = [];
  let lane = 0;
  for (const t of latest.values()) {
    const a = anchor.get(t.from!);
    const b = anchor.get(t.to);
    if (a === undefined || b === undefined) continue;
    const far = Math.max(a.x, b.x);
    const room = Math.max(0, width - EDGE_MARGIN - far);
    const bulge = Math.min(
      (room * 4) / 3,
      16 + Math.min(120, Math.abs(b.y - a.y) / 3) + 10 * (lane++ % 4),
    );
    arcs.push({ t, a, b, x: far + bulge, peak: far + (bulge * 3) / 4 });
  }
  // The labels in one column right of every arc (no arc crosses a label), each at its arc's middle
  // or the nearest free line; the short form where the long one does not fit, none where neither.
  const column = Math.max(0, ...arcs.map((c) => c.peak)) + 8;
  const free = width - EDGE_MARGIN - column;
  const placed: number[] = []; // the labels' baselines so far
  const parts: SVGElement[] = [];
  for (const { t, a, b, x } of arcs) {
    const tone = TONE[t.outcome] ?? "ok";
    const g = document.createElementNS(ns, "g");
    g.setAttribute("class", `edge edge-${t.outcome} tone-${tone}`);
    g.setAttribute("data-from", t.from!);
    g.setAttribute("data-to", t.to);
    const path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      `M${a.x},${a.y - 4} C${x},${a.y - 4} ${x},${b.y + 4} ${b.x + 2},${b.y + 4}`,
    );
    path.setAttribute("marker-end", `url(#arrow-${tone})`);
    g.append(path);
    const ms = t.latencyMs !== null && t.outcome !== "queued" ? ` · ${t.latencyMs} ms` : "";
    const long = `${org.name(t.from)} → ${org.name(t.to)}: ${t.outcome}${ms}`;
    const text = long.length * CHAR_W <= free ? long : `${t.outcome}${ms}`;
    if (text.length * CHAR_W <= free) {
      const mid = (a.y + b.y) / 2 + 4;
      let y = mid;
      for (let step = 1; y < LABEL_H || placed.some((p) => Math.abs(p - y) < LABEL_H); step++)
        y = mid + LABEL_H * Math.ceil(step / 2) * (step % 2 === 1 ? 1 : -1);
      placed.push(y);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", String(column));
      label.setAttribute("y", String(y));
      label.textContent = text;
      g.append(label);
    }
    const title = document.createElementNS(ns, "title");
    title.textContent = long;
    g.append(title);
    parts.push(g);
  }
  // One arrowhead per colour: a marker is painted with its own fill, not its line's.
  const defs = document.createElementNS(ns, "defs");
  for (const tone of ["ok", "bad", "warn"]) {
    const marker = document.createElementNS(ns, "marker");
    for (const [k, v] of Object.entries({
      id: `arrow-${tone}`,
      class: `tip tone-${tone}`,
      viewBox: "0 0 10 10",
      refX: "10",
      refY: "5",
      markerWidth: "7",
      markerHeight: "7",
      orient: "auto",
    }))
      marker.setAttribute(k, v);
    const tip = document.createElementNS(ns, "path");
    tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
    marker.append(tip);
    defs.append(marker);
  }
  svg.replaceChildren(defs, ...parts);
}
