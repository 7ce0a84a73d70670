// The canvas page: signing in with the admin token, following the emulator's live feed, and the
// panels (org, actions, approvals, traffic, conversation, trace), each in its own file.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ActionsPanel } from "./actions.js";
import {
  follow,
  forgetToken,
  loadApprovals,
  loadOrg,
  savedToken,
  saveToken,
  Unauthorized,
} from "./api.js";
import { ApprovalsPanel } from "./approvals.js";
import { ConversationPanel } from "./conversation.js";
import { h, Throttled, type VNode } from "./h.js";
import { org } from "./model.js";
import { Edges, OrgPanel } from "./org-view.js";
import { TracePanel, TrafficPanel } from "./traffic.js";
// oxlint-disable-next-line import/no-unassigned-import -- vite bundles the stylesheet
import "./style.css";

/** The page renders at most this often (ms). */
const RENDER_MS = 100;
/** Views that change with every message (conversation, trace) render at most this often (ms). */
const SLOW_MS = 500;
/** The pending approvals are asked for this often, as the platform's canvas does (ms). */
const APPROVALS_POLL_MS = 10_000;

function App(): VNode {
  const [token, setToken] = useState<string | null>(savedToken());
  const [, setVersion] = useState(0);
  const [conn, setConn] = useState<"connecting" | "live" | "reconnecting">("connecting");
  const [loginError, setLoginError] = useState("");
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    if (token === null) return;
    const ctl = new AbortController();
    // At most one render per RENDER_MS: a busy org costs the browser (and the machine it shares
    // with the emulator) a bounded amount of work. A feed frame is rendered as it arrives (the feed
    // sends one every 200 ms); the browser paints the change at its next frame.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const render = () => {
      timer = undefined;
      last = performance.now();
      setVersion((v) => v + 1);
    };
    const redraw = () => {
      if (timer !== undefined) return;
      const wait = RENDER_MS - (performance.now() - last);
      if (wait <= 0) render();
      else timer = setTimeout(render, wait);
    };
    // Heartbeat ages and fading arcs, when nothing else made the page render for a second.
    const tick = setInterval(() => performance.now() - last >= 900 && redraw(), 1000);
    // The pending approvals, every APPROVALS_POLL_MS besides the feed's approval events, after the
    // platform's expiry sweep as `GET /approvals/pending` runs it (an answer overtaken by a feed
    // frame that carried the list is dropped: the frame is newer).
    const poll = setInterval(() => {
      const version = org.approvalsVersion;
      loadApprovals(token).then(
        (approvals) => {
          if (ctl.signal.aborted || org.approvalsVersion !== version) return;
          org.setApprovals(approvals);
          redraw();
        },
        () => undefined, // the feed's reconnect loop reports a lost emulator
      );
    }, APPROVALS_POLL_MS);
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
      clearInterval(poll);
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
    org.load({ compat: "", now: Date.now(), workspaces: [], traffic: [], approvals: [] });
    setToken(null);
  };
  return h(
    "div",
    { class: "app" },
    h(
      "header",
      { class: "top" },
      // One line at any width: the longer words are dropped on a phone (see style.css).
      h("h1", null, h("span", { class: "wide-only" }, "Molecule emulator "), "canvas"),
      h(
        "p",
        { class: `conn conn-${conn}`, role: "status", "aria-live": "polite" },
        conn === "live" ? "Live" : conn === "connecting" ? "Connecting…" : "Reconnecting…",
        org.compat !== "" ? h("span", { class: "wide-only" }, ` · contract ${org.compat}`) : "",
        ` · ${[...org.workspaces.values()].filter((w) => w.status !== "removed").length} workspaces`,
      ),
      h(
        "button",
        { type: "button", onClick: signOut },
        "Forget ",
        h("span", { class: "wide-only" }, "admin "),
        "token",
      ),
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
 * The page's panels. To add one: write a component (in its own file) that reads `org` or calls
 * the emulator with `call(token, ...)`, and place it here.
 */
function Live(props: { token: string }): VNode {
  const [selected, setSelected] = useState<string | null>(null);
  const [conversation, setConversation] = useState<string | null>(null);
  const [trace, setTrace] = useState<string | null>(null);
  const now = org.now();
  const sel = selected === null ? undefined : org.workspaces.get(selected);
  // Two columns on a wide screen (org and conversation; approvals, act, traffic and trace), each
  // panel as tall as its content; one column on a phone, in the order of style.css.
  return h(
    "main",
    { class: "grid" },
    h(
      "div",
      { class: "col" },
      // The cards render when a card changes, a heartbeat age turns a second, or one is selected.
      h(Throttled, {
        ms: Infinity,
        deps: [org.cardsVersion, Math.floor(now / 1000), selected],
        render: () => h(OrgPanel, { now, selected, onSelect: setSelected }),
      }),
      h(Edges, { now }),
      h(Throttled, {
        ms: SLOW_MS,
        deps: [conversation],
        render: () => h(ConversationPanel, { chosen: conversation, onChoose: setConversation }),
      }),
    ),
    h(
      "div",
      { class: "col" },
      h(ApprovalsPanel, { token: props.token, now }),
      h(ActionsPanel, {
        token: props.token,
        ws: sel,
        onClose: () => setSelected(null),
        onSent: setConversation,
      }),
      h(TrafficPanel, null),
      h(Throttled, {
        ms: SLOW_MS,
        deps: [trace],
        render: () => h(TracePanel, { chosen: trace, onChoose: setTrace }),
      }),
    ),
  );
}

const root = document.getElementById("app")!;
root.replaceChildren(); // the "Loading…" placeholder
render(h(App, null), root);
