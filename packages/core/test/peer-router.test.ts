// The routing table of inbound-message handlers (the NestJS adapter's @OnPeerMessage() methods).
import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../src/index.js";
import {
  dispatchRouted,
  NoPeerHandlerError,
  PeerHandlerConfigError,
  PeerReplyTypeError,
  PeerRouter,
} from "../src/adapters/index.js";
import type { PeerMessageFilter } from "../src/adapters/index.js";

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

const routed = (...filters: [string, PeerMessageFilter][]) =>
  new PeerRouter(
    filters.map(([name, filter]) => ({ name, filter, handler: name })),
    { label: "@OnPeerMessage()" },
  );

describe("dispatchRouted", () => {
  it("runs the matching handler and turns its return value into reply text", async () => {
    const r = routed(["A.all", {}], ["A.billing", { from: "billing-id" }]);
    const ran: string[] = [];
    const run = (value: unknown) => (handler: string) => {
      ran.push(handler);
      return value;
    };
    expect(await dispatchRouted(r, msg({ sourceId: "billing-id" }), run("ok"))).toBe("ok");
    expect(await dispatchRouted(r, msg({}), run(Promise.resolve(42)))).toBe("42");
    expect(await dispatchRouted(r, msg({}), run(false))).toBe("false");
    expect(await dispatchRouted(r, msg({}), run(undefined))).toBeUndefined();
    expect(await dispatchRouted(r, msg({}), run(null))).toBeUndefined();
    expect(ran).toEqual(["A.billing", "A.all", "A.all", "A.all", "A.all"]);
  });

  it("rejects a reply that is not text, naming the handler", async () => {
    const r = routed(["A.all", {}]);
    const failure = dispatchRouted(r, msg({}), () => ({ data: 1 }));
    await expect(failure).rejects.toThrow(PeerReplyTypeError);
    await expect(failure).rejects.toThrow(
      /A\.all returned \[object Object\]; @OnPeerMessage\(\) handlers must return the reply text/,
    );
    await expect(failure).rejects.toMatchObject({ code: "invalid_reply", retryable: false });
  });

  it("throws NoPeerHandlerError for no match and for an id/name ambiguity, running nothing", async () => {
    let ran = 0;
    const run = () => ++ran;
    const none = dispatchRouted(routed(["A.b", { from: "b" }]), msg({ messageId: "m9" }), run);
    await expect(none).rejects.toThrow(NoPeerHandlerError);
    await expect(none).rejects.toThrow(
      /No @OnPeerMessage\(\) handler matches message m9 from peer peer-1 \(source "peer_agent"\)/,
    );
    const both = routed(["A.byId", { from: "peer-1" }], ["B.byName", { from: "Research" }]);
    const ambiguous = dispatchRouted(both, msg({ peerName: "Research" }), run);
    await expect(ambiguous).rejects.toThrow(/Both A\.byId and B\.byName match message m1/);
    await expect(ambiguous).rejects.toMatchObject({ code: "no_handler", retryable: false });
    expect(ran).toBe(0);
  });
});
