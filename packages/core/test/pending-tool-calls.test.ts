// Issue #81 item 3, the rule itself: a tool call a person approved is taken for running once, on
// exactly the input the person was shown, whatever delivers the decision twice (two turns of one
// redelivered message asking at once, a decision read again after a restart); a refusal is kept.
import { describe, expect, it } from "vitest";
import {
  ALREADY_RUN,
  durableToolCallVerdict,
  PendingToolCalls,
  toolCallDigest,
} from "../src/public/org.js";
import type { ApprovalResult, PendingToolCallRecord } from "../src/public/org.js";

/** A backend that keeps what it was given (a store's saves, as a restart reads them back). */
function backend() {
  let saved: PendingToolCallRecord[] = [];
  return {
    loadToolCalls: async () => structuredClone(saved),
    saveToolCalls: async (r: PendingToolCallRecord[]) => void (saved = structuredClone(r)),
  };
}

const approved = (digest: string): ApprovalResult => ({
  approvalId: "ap-1",
  approved: true,
  decision: "approved",
  decidedBy: "dana",
  expired: false,
  digest,
});

/** A person who denies the request. */
const denied = async (request: { digest?: string }) => ({
  ...approved(request.digest!),
  approved: false,
  decision: "denied" as const,
});

/** A person who must never be asked (again). */
const never = async (): Promise<ApprovalResult> => {
  throw new Error("not asked again");
};

describe("durableToolCallVerdict", () => {
  it("runs an approved call once when the decision is delivered twice, also after a restart", async () => {
    const store = backend();
    const calls = new PendingToolCalls(store);
    const call = { key: "k-1", tool: "refund", input: { order: "R-1" }, messageKey: "m" };
    const asked: unknown[] = [];
    const ask = async (request: { digest?: string }) => {
      asked.push(request);
      return approved(request.digest!);
    };
    const settings = { label: "test" };
    const both = await Promise.all([
      durableToolCallVerdict(calls, call, ask, settings),
      durableToolCallVerdict(calls, call, ask, settings),
    ]);
    expect(both.filter((v) => v === undefined)).toHaveLength(1); // one runs
    expect(both).toContain(ALREADY_RUN);
    expect((await calls.get("k-1"))?.status).toBe("running");
    // A restart: a new instance over the same store finds the call taken, asks nobody.
    const again = new PendingToolCalls(store);
    const before = asked.length;
    expect(await durableToolCallVerdict(again, call, ask, settings)).toBe(ALREADY_RUN);
    expect(asked).toHaveLength(before);
  });

  it("keeps the exact input shown and its digest; a claim on another input is refused", async () => {
    const calls = new PendingToolCalls(backend());
    const kept = await calls.record({ key: "k-2", tool: "refund", input: { order: "R-2" } });
    expect(kept).toMatchObject({ status: "pending", input: { order: "R-2" } });
    expect(kept.digest).toBe(toolCallDigest("refund", { order: "R-2" }));
    expect(await calls.claim("k-2", toolCallDigest("refund", { order: "R-3" }))).toBe(false);
    expect(await calls.claim("k-2", kept.digest)).toBe(true);
    expect(await calls.claim("k-2", kept.digest)).toBe(false);
  });

  it("a refusal is kept: the call is never run on a later delivery", async () => {
    const calls = new PendingToolCalls(backend());
    const call = { key: "k-3", tool: "refund", input: { order: "R-4" } };
    expect(await durableToolCallVerdict(calls, call, denied, { label: "t" })).toMatch(
      /^Error: denied by dana/,
    );
    expect(await durableToolCallVerdict(calls, call, never, { label: "t" })).toMatch(
      /refused before/,
    );
  });
});
