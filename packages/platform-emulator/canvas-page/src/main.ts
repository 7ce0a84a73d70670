// The canvas page: the org as a live tree of cards, traffic drawn between them, conversations by
// contextId, traces across hops, and the canvas's actions. Plain TypeScript with preact's `h`.
import {
  Component,
  h as preactH,
  render,
  type ComponentChildren,
  type VNode as PreactVNode,
} from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { call, follow, forgetToken, loadOrg, savedToken, saveToken, Unauthorized } from "./api.js";
import {
  age,
  conversations,
  Org,
  traces,
  type CanvasTraffic,
  type CanvasWorkspace,
  type TraceHop,
} from "./model.js";
// oxlint-disable-next-line import/no-unassigned-import -- vite bundles the stylesheet
import "./style.css";

/* oxlint-disable typescript/no-explicit-any -- preact's `h` overloads do not type-check mixed children without JSX */
type VNode = PreactVNode<any>;
/** preact's `h`, loosely typed (the page is written without JSX). */
function h(
  type: string | ((props: any) => VNode) | (new (props: any) => Component<any>),
  props: Record<string, unknown> | null,
  ...children: ComponentChildren[]
): VNode {
  return preactH(type as any, props, ...children) as VNode;
}
/* oxlint-enable typescript/no-explicit-any */

/** Traffic younger than this is drawn as an edge between its two cards (ms). */
const EDGE_MS = 10_000;
/** At most this many arcs (the most recent pairs of cards). */
const MAX_EDGES = 24;
/** The page renders at most this often (ms). */
const RENDER_MS = 100;
/** Rows of the traffic list. */
const TRAFFIC_ROWS = 50;

const org = new Org();

function App(): VNode {
  const [token, setToken] = useState<string | null>(savedToken());
  const [, setVersion] = useState(0);
  const [conn, setConn] = useState<"connecting" | "live" | "reconnecting">("connecting");
  const [loginError, setLoginError] = useState("");
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (token === null) return;
    const ctl = new AbortController();
    // At most one render per RENDER_MS, at an animation frame: a busy org costs the browser (and
    // the machine it shares with the emulator) a bounded amount of work.
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const redraw = () => {
      if (frame !== 0 || timer !== undefined) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          frame = requestAnimationFrame(() => {
            frame = 0;
            last = performance.now();
            setVersion((v) => v + 1);
          });
        },
        Math.max(0, RENDER_MS - (performance.now() - last)),
      );
    };
    const tick = setInterval(redraw, 1000); // heartbeat ages and fading edges
    void (async () => {
      for (let attempt = 0; !ctl.signal.aborted; attempt++) {
        try {
          org.load(await loadOrg(token));
          setLoaded(true);
          setConn("live");
          redraw();
          attempt = 0;
          await follow(token, ctl.signal, (f) => {
            org.apply(f);
            redraw();
          });
        } catch (err) {
          if (ctl.signal.aborted) return;
          if (err instanceof Unauthorized) {
            forgetToken();
            setLoginError("The emulator refused that admin token.");
            setToken(null);
            return;
          }
        }
        setConn("reconnecting");
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
      }
    })();
    return () => {
      ctl.abort();
      clearInterval(tick);
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [token]);

  if (token === null)
    return h(Login, {
      error: loginError,
      onToken: (t: string) => {
        saveToken(t);
        setLoginError("");
        setLoaded(false);
        setToken(t);
      },
    });
  const signOut = () => {
    forgetToken();
    org.load({ compat: "", now: Date.now(), workspaces: [], traffic: [] });
    setToken(null);
  };
  return h(
    "div",
    { class: "app" },
    h(
      "header",
      { class: "top" },
      h("h1", null, "Molecule emulator canvas"),
      h(
        "p",
        { class: `conn conn-${conn}`, role: "status", "aria-live": "polite" },
        conn === "live" ? "Live" : conn === "connecting" ? "Connecting…" : "Reconnecting…",
        org.compat !== "" ? ` · contract ${org.compat}` : "",
        ` · ${[...org.workspaces.values()].filter((w) => w.status !== "removed").length} workspaces`,
      ),
      h("button", { type: "button", onClick: signOut }, "Forget admin token"),
    ),
    loaded ? h(Live, { token }) : h("main", null, h("p", null, "Loading the org…")),
  );
}

function Login(props: { error: string; onToken: (t: string) => void }): VNode {
  const [value, setValue] = useState("");
  return h(
    "main",
    { class: "login" },
    h("h1", null, "Molecule emulator canvas"),
    h(
      "form",
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          if (value.trim() !== "") props.onToken(value.trim());
        },
      },
      h("label", { for: "token" }, "Admin token"),
      h("input", {
        id: "token",
        name: "token",
        type: "password",
        autocomplete: "off",
        required: true,
        value,
        onInput: (e: Event) => setValue((e.target as HTMLInputElement).value),
      }),
      h("button", { type: "submit" }, "Open the canvas"),
      props.error !== "" ? h("p", { class: "error", role: "alert" }, props.error) : null,
      h(
        "p",
        { class: "hint" },
        "The emulator printed it on start (",
        h("code", null, "admin token: …"),
        "). It stays in this tab only, and is sent only to this emulator, in a header.",
      ),
    ),
  );
}

/**
 * The page's panels. To add one (say, pending approvals with approve/deny buttons): write a
 * component that reads `org` or calls the emulator with `call(token, ...)`, and place it here.
 */
function Live(props: { token: string }): VNode {
  const [selected, setSelected] = useState<string | null>(null);
  const [conversation, setConversation] = useState<string | null>(null);
  const [trace, setTrace] = useState<string | null>(null);
  const now = org.now();
  const sel = selected === null ? undefined : org.workspaces.get(selected);
  return h(
    "main",
    { class: "grid" },
    h(OrgPanel, { now, selected, onSelect: setSelected }),
    h(
      "div",
      { class: "side" },
      h(ActionsPanel, { token: props.token, ws: sel, onClose: () => setSelected(null) }),
      h(TrafficPanel, { now }),
    ),
    h(ConversationPanel, { chosen: conversation, onChoose: setConversation }),
    h(TracePanel, { chosen: trace, onChoose: setTrace }),
  );
}

function Section(props: {
  id: string;
  title: string;
  children: ComponentChildren;
  cls?: string;
}): VNode {
  return h(
    "section",
    { class: `panel ${props.cls ?? ""}`, "aria-labelledby": `${props.id}-title`, id: props.id },
    h("h2", { id: `${props.id}-title` }, props.title),
    props.children,
  );
}

// ------------------------------------------------------------------------------------ the org

function OrgPanel(props: {
  now: number;
  selected: string | null;
  onSelect: (id: string) => void;
}): VNode {
  const box = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const { roots, children } = org.tree();
  // Edges: drawn after each render from the cards' positions (no re-render loop).
  useEffect(() => drawEdges(box.current, svg.current, props.now));
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
      { class: "org-box", ref: box },
      h("svg", { class: "edges", ref: svg, "aria-hidden": "true" }),
      roots.length === 0
        ? h("p", null, "No workspaces yet: create one below, or start agents.")
        : h("ul", { class: "tree root" }, roots.map(node)),
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

interface CardProps {
  w: CanvasWorkspace;
  heartbeat: string;
  selected: boolean;
  onSelect: (id: string) => void;
}

/** A workspace card; re-rendered only when its props change (200 cards, 20 frames a second). */
class Card extends Component<CardProps> {
  override shouldComponentUpdate(next: CardProps): boolean {
    const p = this.props;
    return (
      p.w !== next.w ||
      p.heartbeat !== next.heartbeat ||
      p.selected !== next.selected ||
      p.onSelect !== next.onSelect
    );
  }

  override render(): VNode {
    return cardView(this.props);
  }
}

function cardView(props: CardProps): VNode {
  const w = props.w;
  const status = STATUS_TEXT[w.status] ?? w.status;
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
      h("span", { class: `badge st st-${w.status}`, "data-status": w.status }, status),
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
    w.currentTask !== "" ? h("span", { class: "card-task" }, w.currentTask) : null,
  );
}

/** Card anchors, measured at most once a second or when the cards change (layout is costly). */
let anchors = new Map<string, { x: number; y: number }>();
let anchorsKey = "";
let anchorsAt = 0;
let edgesKey = "";

function drawEdges(box: HTMLElement | null, svg: SVGSVGElement | null, now: number): void {
  if (box === null || svg === null) return;
  const key = `${org.workspaces.size}:${box.clientWidth}:${box.scrollHeight}`;
  const remeasure = key !== anchorsKey || Date.now() - anchorsAt > 1_000;
  if (remeasure) {
    anchorsKey = key;
    anchorsAt = Date.now();
    svg.setAttribute("width", String(box.scrollWidth));
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
  const parts: SVGElement[] = [];
  let lane = 0;
  for (const t of latest.values()) {
    const a = anchor.get(t.from!);
    const b = anchor.get(t.to);
    if (a === undefined || b === undefined) continue;
    const bulge = 40 + Math.min(160, Math.abs(b.y - a.y) / 3) + 14 * (lane++ % 4);
    const x = Math.max(a.x, b.x) + bulge;
    const g = document.createElementNS(ns, "g");
    g.setAttribute("class", `edge edge-${t.outcome}`);
    g.setAttribute("data-from", t.from!);
    g.setAttribute("data-to", t.to);
    const path = document.createElementNS(ns, "path");
    path.setAttribute(
      "d",
      `M${a.x},${a.y - 4} C${x},${a.y - 4} ${x},${b.y + 4} ${b.x + 2},${b.y + 4}`,
    );
    path.setAttribute("marker-end", "url(#arrow)");
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", String(x - bulge / 4 + 6));
    label.setAttribute("y", String((a.y + b.y) / 2 + (b.y >= a.y ? 12 : -6)));
    label.textContent = `${org.name(t.from)} → ${org.name(t.to)}: ${t.outcome}${t.latencyMs !== null ? ` · ${t.latencyMs} ms` : ""}`;
    g.append(path, label);
    parts.push(g);
  }
  const defs = document.createElementNS(ns, "defs");
  const marker = document.createElementNS(ns, "marker");
  for (const [k, v] of Object.entries({
    id: "arrow",
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
  svg.replaceChildren(defs, ...parts);
}

// ------------------------------------------------------------------------------------ traffic

function Outcome(props: { t: CanvasTraffic }): VNode {
  return h("span", { class: `badge out out-${props.t.outcome}` }, props.t.outcome);
}

function TrafficPanel(props: { now: number }): VNode {
  const recent = org.traffic.slice(-TRAFFIC_ROWS).toReversed();
  return h(
    Section,
    { id: "traffic", title: "Traffic" },
    recent.length === 0
      ? h("p", null, "No calls yet.")
      : h(
          "ol",
          { class: "traffic", "aria-label": "most recent first" },
          recent.map((t) =>
            h(
              "li",
              { key: t.id, "data-traffic": t.id, "data-from": t.from ?? "canvas", "data-to": t.to },
              h("span", { class: "hop" }, `${org.name(t.from)} → ${org.name(t.to)}`),
              " ",
              h("span", { class: "kind" }, t.kind === "message" ? (t.method ?? "message") : t.kind),
              " ",
              h(Outcome, { t }),
              t.latencyMs !== null ? ` ${t.latencyMs} ms` : "",
              h("span", { class: "when" }, ` · ${age(props.now, t.at)}`),
            ),
          ),
        ),
  );
}

// ------------------------------------------------------------------------------------ conversations

function PeerText(props: { text: string; label: string }): VNode {
  return h(
    "figure",
    { class: "peer-output" },
    h("figcaption", null, props.label),
    h("blockquote", { "data-peer-output": "true" }, props.text === "" ? "(no text)" : props.text),
  );
}

function ConversationPanel(props: {
  chosen: string | null;
  onChoose: (k: string | null) => void;
}): VNode {
  const list = conversations(org.traffic);
  // Follows the newest conversation until one is chosen.
  const current = list.find((c) => c.key === props.chosen) ?? list[0];
  return h(
    Section,
    { id: "conversation", title: "Conversation", cls: "wide" },
    list.length === 0
      ? h("p", null, "No messages yet.")
      : h(
          "div",
          { class: "conv" },
          h(
            "label",
            { for: "conv-pick" },
            "Thread (contextId) ",
            h(
              "select",
              {
                id: "conv-pick",
                value: current?.key ?? "",
                onChange: (e: Event) => props.onChoose((e.target as HTMLSelectElement).value),
              },
              list.slice(0, 30).map((c) => {
                const first = c.items[0]!;
                return h(
                  "option",
                  { key: c.key, value: c.key },
                  `${org.name(first.from)} → ${org.name(first.to)} · ${c.items.length} message${c.items.length === 1 ? "" : "s"} · ${c.key.slice(0, 12)}`,
                );
              }),
            ),
          ),
          current === undefined
            ? null
            : h(
                "ol",
                { class: "thread", "data-context": current.key, "aria-live": "polite" },
                current.items.flatMap((t) => {
                  const out: VNode[] = [
                    h(
                      "li",
                      { key: t.id, class: `msg role-${t.role ?? "unknown"}` },
                      h(
                        "p",
                        { class: "msg-head" },
                        h("strong", null, `${org.name(t.from)} → ${org.name(t.to)}`),
                        ` · ${t.kind === "reply" ? "answer" : (t.method ?? t.kind)} · `,
                        h(Outcome, { t }),
                        t.latencyMs !== null ? ` · ${t.latencyMs} ms` : "",
                      ),
                      h(PeerText, {
                        text: t.text,
                        label: `peer output from ${org.name(t.from)} (untrusted)`,
                      }),
                      t.error !== null ? h("p", { class: "error" }, t.error) : null,
                    ),
                  ];
                  if (t.answer !== "")
                    out.push(
                      h(
                        "li",
                        { key: `${t.id}-answer`, class: "msg role-agent" },
                        h(
                          "p",
                          { class: "msg-head" },
                          h("strong", null, `${org.name(t.to)} → ${org.name(t.from)}`),
                          " · answer",
                        ),
                        h(PeerText, {
                          text: t.answer,
                          label: `peer output from ${org.name(t.to)} (untrusted)`,
                        }),
                      ),
                    );
                  return out;
                }),
              ),
        ),
  );
}

// ------------------------------------------------------------------------------------ traces

function TracePanel(props: { chosen: string | null; onChoose: (k: string) => void }): VNode {
  const list = traces(org.traffic);
  const current = list.find((t) => t.traceId === props.chosen) ?? list[0];
  const hop = (x: TraceHop): VNode =>
    h(
      "li",
      { key: x.item.id },
      h("span", { class: "hop" }, `${org.name(x.item.from)} → ${org.name(x.item.to)}`),
      " ",
      h(Outcome, { t: x.item }),
      x.item.latencyMs !== null ? ` ${x.item.latencyMs} ms` : "",
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

// ------------------------------------------------------------------------------------ acting

function ActionsPanel(props: {
  token: string;
  ws: CanvasWorkspace | undefined;
  onClose: () => void;
}): VNode {
  const [result, setResult] = useState("");
  const [text, setText] = useState("");
  const [confirmRemove, setConfirmRemove] = useState(false);
  const w = props.ws;
  useEffect(() => {
    setResult("");
    setConfirmRemove(false);
  }, [w?.id]);
  const act = async (what: string, method: string, path: string, body?: unknown) => {
    setResult(`${what}…`);
    try {
      const r = await call(props.token, method, path, body);
      const err =
        typeof r.json === "object" && r.json !== null
          ? (r.json as { error?: unknown }).error
          : undefined;
      setResult(
        r.status < 300
          ? `${what}: done (HTTP ${r.status})`
          : `${what} failed: ${String(err ?? `HTTP ${r.status}`)}`,
      );
      return r;
    } catch (e) {
      setResult(`${what} failed: ${(e as Error).message}`);
      return undefined;
    }
  };
  return h(
    Section,
    { id: "act", title: w === undefined ? "Act" : `Act on ${w.name}` },
    w === undefined
      ? h("p", null, "Select a workspace card to message, pause, resume or remove it.")
      : h(
          "div",
          { class: "act" },
          h(
            "form",
            {
              onSubmit: (e: Event) => {
                e.preventDefault();
                if (text.trim() === "") return;
                void act("Send", "POST", `/workspaces/${w.id}/a2a`, {
                  jsonrpc: "2.0",
                  id: crypto.randomUUID(),
                  method: "message/send",
                  params: {
                    message: {
                      role: "user",
                      messageId: crypto.randomUUID(),
                      contextId: crypto.randomUUID(),
                      parts: [{ kind: "text", text }],
                    },
                  },
                }).then((r) => r !== undefined && r.status < 300 && setText(""));
              },
            },
            h("label", { for: "send-text" }, `Message to ${w.name} (as the canvas user)`),
            h("textarea", {
              id: "send-text",
              rows: 2,
              value: text,
              onInput: (e: Event) => setText((e.target as HTMLTextAreaElement).value),
            }),
            h("button", { type: "submit" }, "Send"),
          ),
          h(
            "div",
            { class: "buttons" },
            h(
              "button",
              {
                type: "button",
                disabled: w.status === "paused" || w.status === "removed",
                onClick: () => void act("Pause", "POST", `/workspaces/${w.id}/pause`),
              },
              "Pause",
            ),
            h(
              "button",
              {
                type: "button",
                disabled: w.status !== "paused",
                onClick: () => void act("Resume", "POST", `/workspaces/${w.id}/resume`),
              },
              "Resume",
            ),
            confirmRemove
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "danger",
                    onClick: () =>
                      void act("Remove", "DELETE", `/workspaces/${w.id}?confirm=true`).then(() =>
                        setConfirmRemove(false),
                      ),
                  },
                  `Confirm: remove ${w.name} and its children`,
                )
              : h(
                  "button",
                  {
                    type: "button",
                    disabled: w.status === "removed",
                    onClick: () => setConfirmRemove(true),
                  },
                  "Remove…",
                ),
            h("button", { type: "button", onClick: props.onClose }, "Deselect"),
          ),
        ),
    result !== "" ? h("p", { class: "result", role: "status" }, result) : null,
    h(CreateWorkspace, { token: props.token, parent: w }),
  );
}

function CreateWorkspace(props: { token: string; parent: CanvasWorkspace | undefined }): VNode {
  const [name, setName] = useState("");
  const [role, setRole] = useState("");
  const [under, setUnder] = useState(false);
  const [out, setOut] = useState<{ lines: string; error: string }>({ lines: "", error: "" });
  const parent = under ? props.parent : undefined;
  return h(
    "form",
    {
      class: "create",
      onSubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await call(props.token, "POST", "/workspaces", {
            name: name.trim(),
            runtime: "external",
            ...(role.trim() !== "" ? { role: role.trim() } : {}),
            ...(parent !== undefined ? { parent_id: parent.id } : {}),
          });
          const c = r.json as {
            connection?: { platform_url: string; workspace_id: string; auth_token: string };
            error?: string;
          };
          if (r.status !== 201 || c.connection === undefined) {
            setOut({ lines: "", error: `Create failed: ${c.error ?? `HTTP ${r.status}`}` });
            return;
          }
          setOut({
            error: "",
            lines: [
              `# workspace "${name.trim()}": paste into the shell that runs its agent (shown once)`,
              `export MOLECULE_PLATFORM_URL=${location.origin}`,
              `export MOLECULE_WORKSPACE_ID=${c.connection.workspace_id}`,
              `export MOLECULE_WORKSPACE_TOKEN=${c.connection.auth_token}`,
            ].join("\n"),
          });
          setName("");
          setRole("");
        } catch (err) {
          setOut({ lines: "", error: `Create failed: ${(err as Error).message}` });
        }
      },
    },
    h("h3", null, "Create a workspace"),
    h("label", { for: "new-name" }, "Name"),
    h("input", {
      id: "new-name",
      required: true,
      maxLength: 255,
      value: name,
      onInput: (e: Event) => setName((e.target as HTMLInputElement).value),
    }),
    h("label", { for: "new-role" }, "Role (optional)"),
    h("input", {
      id: "new-role",
      value: role,
      onInput: (e: Event) => setRole((e.target as HTMLInputElement).value),
    }),
    props.parent !== undefined
      ? h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            checked: under,
            onChange: (e: Event) => setUnder((e.target as HTMLInputElement).checked),
          }),
          ` as a child of ${props.parent.name}`,
        )
      : null,
    h("button", { type: "submit" }, "Create"),
    out.error !== "" ? h("p", { class: "error", role: "alert" }, out.error) : null,
    out.lines !== ""
      ? h(
          "pre",
          { class: "exports", "aria-label": "export lines for the new workspace's agent" },
          out.lines,
        )
      : null,
  );
}

const root = document.getElementById("app")!;
root.replaceChildren(); // the "Loading…" placeholder
render(h(App, null), root);
