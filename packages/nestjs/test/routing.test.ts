import type { InboundMessage } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { PeerHandlerConfigError } from "../src/errors.js";
import { PeerRouter } from "../src/routing.js";
import type { PeerMessageFilter } from "../src/routing.js";

function msg(partial: Partial<InboundMessage>): InboundMessage {
  return {
    activityId: "a1",
    messageId: "m1",
    method: "message/send",
    params: {},
    source: "peer_agent",
    sourceId: "peer-1",
    text: "hi",
    parts: [{ kind: "text", text: "hi" }],
    receivedAt: new Date(0),
    isReply: false,
    raw: {},
    ...partial,
  };
}

function router(...filters: [string, PeerMessageFilter][]): PeerRouter<string> {
  return new PeerRouter(filters.map(([name, filter]) => ({ name, filter, handler: name })));
}

function pick(r: PeerRouter<string>, m: InboundMessage): string {
  const match = r.match(m);
  return match.kind === "matched" ? match.route.handler : match.kind;
}

describe("PeerRouter matching", () => {
  it("sends every message to a single catch-all handler", () => {
    const r = router(["A.all", {}]);
    expect(pick(r, msg({}))).toBe("A.all");
    expect(pick(r, msg({ source: "canvas_user", sourceId: null }))).toBe("A.all");
    expect(pick(r, msg({ source: "unknown", sourceId: null }))).toBe("A.all");
  });

  it("routes by source", () => {
    const r = router(
      ["A.peers", { source: "peer_agent" }],
      ["A.canvas", { source: "canvas_user" }],
    );
    expect(pick(r, msg({}))).toBe("A.peers");
    expect(pick(r, msg({ source: "canvas_user", sourceId: null }))).toBe("A.canvas");
    expect(pick(r, msg({ source: "unknown", sourceId: null }))).toBe("none");
  });

  it("routes by peer id or peer name, and the most specific filter wins", () => {
    const r = router(
      ["A.all", {}],
      ["A.peers", { source: "peer_agent" }],
      ["A.billing", { from: ["billing-id", "other-id"] }],
      ["A.named", { from: "Research" }],
    );
    expect(pick(r, msg({ sourceId: "billing-id" }))).toBe("A.billing");
    expect(pick(r, msg({ sourceId: "other-id" }))).toBe("A.billing");
    expect(pick(r, msg({ sourceId: "x", peerName: "Research" }))).toBe("A.named");
    expect(pick(r, msg({ sourceId: "x" }))).toBe("A.peers");
    expect(pick(r, msg({ source: "canvas_user", sourceId: null }))).toBe("A.all");
  });

  it("reports no match when nothing applies", () => {
    const r = router(["A.billing", { from: "billing-id" }]);
    expect(r.match(msg({ sourceId: "someone-else" }))).toEqual({ kind: "none" });
    expect(r.match(msg({ source: "canvas_user", sourceId: null }))).toEqual({ kind: "none" });
  });

  it("reports a runtime ambiguity when one handler lists the id and another the name", () => {
    const r = router(["A.byId", { from: "peer-1" }], ["B.byName", { from: "Research" }]);
    const match = r.match(msg({ sourceId: "peer-1", peerName: "Research" }));
    expect(match.kind).toBe("ambiguous");
    const names = match.kind === "ambiguous" ? match.routes.map((x) => x.name).sort() : [];
    expect(names).toEqual(["A.byId", "B.byName"]);
  });

  it("orders routes most specific first", () => {
    const r = router(
      ["A.all", {}],
      ["A.peer", { from: "p" }],
      ["A.src", { source: "canvas_user" }],
    );
    expect(r.routes.map((x) => x.name)).toEqual(["A.peer", "A.src", "A.all"]);
    expect(r.size).toBe(3);
  });
});

const conflict =
  (...filters: [string, PeerMessageFilter][]) =>
  () =>
    router(...filters);

describe("PeerRouter conflicts at start-up", () => {
  it("rejects two catch-all handlers and names both", () => {
    expect(conflict(["A.one", {}], ["B.two", {}])).toThrow(PeerHandlerConfigError);
    expect(conflict(["A.one", {}], ["B.two", {}])).toThrow(
      expect.objectContaining({ code: "duplicate_handler", retryable: false }),
    );
    expect(conflict(["A.one", {}], ["B.two", {}])).toThrow(/A\.one and B\.two/);
  });

  it("rejects the same source twice", () => {
    expect(
      conflict(["A.one", { source: "canvas_user" }], ["B.two", { source: "canvas_user" }]),
    ).toThrow(/would claim the same message: A\.one and B\.two/);
  });

  it("rejects overlapping from lists, also when one spells source: peer_agent", () => {
    expect(conflict(["A.one", { from: ["x", "y"] }], ["B.two", { from: ["y", "z"] }])).toThrow(
      /A\.one and B\.two/,
    );
    expect(
      conflict(["A.one", { from: "x" }], ["B.two", { source: "peer_agent", from: ["x"] }]),
    ).toThrow(PeerHandlerConfigError);
  });

  it("rejects one method decorated twice with the same filter", () => {
    expect(conflict(["A.one", { from: "x" }], ["A.one", { from: "x" }])).toThrow(
      /A\.one \(declared twice\)/,
    );
  });

  it("accepts disjoint filters and different specificities", () => {
    expect(() =>
      router(
        ["A.all", {}],
        ["A.canvas", { source: "canvas_user" }],
        ["A.peers", { source: "peer_agent" }],
        ["A.x", { from: "x" }],
        ["A.y", { from: ["y", "z"] }],
      ),
    ).not.toThrow();
  });

  it("rejects filters that can never match or are malformed", () => {
    expect(conflict(["A.one", { source: "canvas_user", from: "x" }])).toThrow(
      /can never match source "canvas_user"/,
    );
    expect(conflict(["A.one", { from: [] }])).toThrow(/non-empty/);
    expect(conflict(["A.one", { from: "" }])).toThrow(/non-empty/);
    expect(conflict(["A.one", { source: "robot" as never }])).toThrow(
      /"canvas_user" or "peer_agent"/,
    );
    expect(conflict(["A.one", { from: [] }])).toThrow(
      expect.objectContaining({ code: "invalid_filter" }),
    );
    expect(conflict(["A.one", {}], ["B.two", {}])).toThrow(
      expect.objectContaining({ code: "duplicate_handler" }),
    );
  });
});
