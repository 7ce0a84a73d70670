// The example on the August-2026 platform (the server users run today): every workspace lands
// under the seeded Org Concierge (offline, no URL), which is then among the agent's peers, and
// the platform's pushes carry its bearer, which the agent requires there.
import { useEmulator, waitForReplies } from "@example/shared/testing";
import { sanitizePeerText } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { startAdkAgent } from "../src/agent.js";

const platform = useEmulator({ compat: "2026-08" });

describe("a Google ADK agent on the August-2026 platform", () => {
  it.each([
    ["poll", "fact checker"],
    ["push", "style checker"],
    // No delivery option: poll, which the platform has (an admin-created workspace there defaults
    // to push until the agent registers)
    [undefined, "tone checker"],
  ] as const)(
    "answers a peer's message (%s) after asking the %s, through its peer tool",
    async (delivery, peer) => {
      const { subjectWs, caller, received } = await platform.org({
        subject: `Writer ${delivery ?? "default"}`,
        peer: peer.replace(/\b\w/g, (c) => c.toUpperCase()),
        caller: `Caller ${delivery ?? "default"}`,
        answer: "Verified: true.",
      });
      const writer = await startAdkAgent({
        platformUrl: platform.emu.url,
        workspaceId: subjectWs.id,
        token: subjectWs.token!,
        ...(delivery ? { delivery } : {}),
      });
      platform.defer(writer.stop);
      expect(writer.remote.delivery).toBe(delivery ?? "poll");
      expect(writer.tools).toEqual(expect.arrayContaining([`call_${peer.replace(" ", "_")}`]));
      // The concierge (offline, no URL) is a peer like any other: a tool, not a failed start.
      expect(writer.tools).toContain("call_org_concierge");
      const question = `Is this tagline accurate? Ask the ${peer}.`;
      const result = await caller.callPeer(subjectWs.id, question);
      const text =
        result.status === "queued"
          ? ((await waitForReplies(caller, subjectWs.id))[0]?.text ?? "")
          : result.text;
      expect(result.status).toBe(delivery === "push" ? "completed" : "queued");
      expect(received).toEqual([question]);
      expect(sanitizePeerText(text)).toContain(`According to the ${peer}:`);
      expect(text).toContain("Verified: true.");
    },
  );
});
