// The conversation view: the messages of one contextId in order, each text shown as peer output.
import { h, Section, type VNode } from "./h.js";
import { conversations, org, roundTrip, type CanvasTraffic } from "./model.js";
import { Outcome } from "./traffic.js";

function PeerText(props: { text: string; label: string }): VNode {
  return h(
    "figure",
    { class: "peer-output" },
    h("figcaption", null, props.label),
    h("blockquote", { "data-peer-output": "true" }, props.text === "" ? "(no text)" : props.text),
  );
}

/** Threads offered in the picker (the most recent, and always the one shown). */
const THREADS = 30;

/** "a → b"; a `notify` is its workspace's message to the canvas user. */
function hop(t: CanvasTraffic): string {
  return `${org.name(t.from)} → ${t.kind === "notify" ? "canvas user" : org.name(t.to)}`;
}

export function ConversationPanel(props: {
  chosen: string | null;
  onChoose: (k: string | null) => void;
}): VNode {
  const list = conversations(org.traffic, org.threadOf);
  // Follows the newest conversation until one is chosen (picked, or sent on from the page).
  const current = list.find((c) => c.key === props.chosen) ?? list[0];
  const offered = list.slice(0, THREADS);
  if (current !== undefined && !offered.includes(current)) offered.push(current);
  return h(
    Section,
    { id: "conversation", title: "Conversation" },
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
              offered.map((c) => {
                const first = c.items[0]!;
                return h(
                  "option",
                  { key: c.key, value: c.key },
                  `${hop(first)} · ${c.items.length} message${c.items.length === 1 ? "" : "s"} · ${c.key.slice(0, 12)}`,
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
                        h("strong", null, hop(t)),
                        ` · ${t.kind === "reply" || org.threadOf.has(t.id) ? "answer" : (t.method ?? t.kind)} · `,
                        h(Outcome, { t }),
                        roundTrip(t, org.answerOf.get(t.id)),
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
