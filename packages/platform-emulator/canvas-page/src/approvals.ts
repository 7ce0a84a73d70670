// Pending approvals: an agent asked a person (`agent.requestApproval(...)`) and waits. Each one is
// listed with its requester, action, reason and age, with Approve and Deny, which decide it as the
// platform's canvas does: `POST /workspaces/:id/approvals/:approvalId/decide` with the admin token
// and `decided_by: "human"`. The list follows the live feed.
import { useState } from "preact/hooks";
import { call } from "./api.js";
import { h, Section, type VNode } from "./h.js";
import { age, APPROVAL_EXPIRY_MS, org, type CanvasApproval } from "./model.js";

type Decision = "approved" | "denied";

export function ApprovalsPanel(props: { token: string; now: number }): VNode {
  // Per approval: the decision being sent, or why it failed.
  const [state, setState] = useState<Record<string, string>>({});
  const [said, setSaid] = useState("");
  const list = org.approvals.filter((a) => props.now - a.createdAt < APPROVAL_EXPIRY_MS);
  const decide = async (a: CanvasApproval, decision: Decision) => {
    const who = org.name(a.workspaceId);
    setState((s) => ({ ...s, [a.id]: decision === "approved" ? "Approving…" : "Denying…" }));
    try {
      const r = await call(
        props.token,
        "POST",
        `/workspaces/${encodeURIComponent(a.workspaceId)}/approvals/${encodeURIComponent(a.id)}/decide`,
        { decision, decided_by: "human" },
      );
      const err =
        typeof r.json === "object" && r.json !== null
          ? (r.json as { error?: unknown }).error
          : undefined;
      if (r.status === 200) {
        setSaid(`${decision === "approved" ? "Approved" : "Denied"}: ${a.action} for ${who}.`);
        setState(({ [a.id]: _, ...rest }) => rest);
      } else setState((s) => ({ ...s, [a.id]: `Failed: ${String(err ?? `HTTP ${r.status}`)}` }));
    } catch (e) {
      setState((s) => ({ ...s, [a.id]: `Failed: ${(e as Error).message}` }));
    }
  };
  return h(
    Section,
    { id: "approvals", title: `Approvals${list.length > 0 ? ` (${list.length} pending)` : ""}` },
    list.length === 0
      ? h("p", null, "No agent is waiting for a decision.")
      : h(
          "ul",
          { class: "approvals", "aria-label": "pending approvals, newest first" },
          list.map((a) => {
            const who = org.name(a.workspaceId);
            const busy = state[a.id];
            const headId = `approval-${a.id}`;
            return h(
              "li",
              { key: a.id, "data-approval": a.id, "aria-labelledby": headId },
              h(
                "p",
                { class: "approval-head", id: headId },
                h("strong", null, who),
                " asks to ",
                h("span", { class: "approval-action", "data-peer-output": "true" }, a.action),
                h("span", { class: "when" }, ` · ${age(props.now, a.createdAt)}`),
              ),
              a.reason !== ""
                ? h(
                    "p",
                    { class: "approval-reason" },
                    "Reason: ",
                    h("span", { "data-peer-output": "true" }, a.reason),
                  )
                : null,
              h(
                "div",
                { class: "buttons" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "approve",
                    disabled: busy?.endsWith("…"),
                    "aria-label": `Approve: ${who} asks to ${a.action}`,
                    onClick: () => void decide(a, "approved"),
                  },
                  "Approve",
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "deny",
                    disabled: busy?.endsWith("…"),
                    "aria-label": `Deny: ${who} asks to ${a.action}`,
                    onClick: () => void decide(a, "denied"),
                  },
                  "Deny",
                ),
              ),
              busy !== undefined ? h("p", { class: "result", role: "status" }, busy) : null,
            );
          }),
        ),
    said !== "" ? h("p", { class: "result", role: "status", "aria-live": "polite" }, said) : null,
  );
}
