// The inbox's hold rules, without a platform: what reading settles, how an answer travels, what a
// stop leaves for the next start, and the pushed message whose sender stopped waiting.
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { Inbox, MAX_SHOWN_TEXT } from "../src/inbox.js";

function message(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    activityId: "act-1",
    messageId: "m-1",
    method: "message/send",
    params: {},
    source: "peer_agent",
    sourceId: "00000000-0000-4000-8000-00000000000a",
    text: "hello",
    parts: [],
    isReply: false,
    receivedAt: new Date("2026-11-23T00:00:00Z"),
    raw: {},
    ...over,
  };
}

function context(delivery: "poll" | "push"): { ctx: HandlerContext; abort: AbortController } {
  const abort = new AbortController();
  const ctx = {
    signal: abort.signal,
    delivery,
    attempt: 1,
    redelivered: false,
  } as unknown as HandlerContext;
  return { ctx, abort };
}

describe("Inbox", () => {
  it("settles a polled message when it is read, once, with no answer", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const { ctx } = context("poll");
    const held = inbox.hold("ws", message(), ctx);
    expect(inbox.take(undefined, 10).map((m) => m.text)).toEqual(["hello"]);
    await expect(held).resolves.toBeUndefined();
    expect(inbox.take(undefined, 10)).toEqual([]);
  });

  it("sends the answer of an unread message through core (its handler's result)", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const held = inbox.hold("ws", message(), context("poll").ctx);
    const [view] = inbox.unread();
    expect(inbox.reply(view!.messageId, "hi back")).toEqual({ via: "outbox" });
    await expect(held).resolves.toBe("hi back");
  });

  it("hands a read polled message to client.reply, and refuses a second answer", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const msg = message();
    void inbox.hold("ws", msg, context("poll").ctx);
    const [view] = inbox.take(undefined, 10);
    expect(inbox.reply(view!.messageId, "late")).toEqual({
      via: "reply",
      message: msg,
      workspaceId: "ws",
    });
    expect(() => inbox.reply(view!.messageId, "again")).toThrow(/No message with id/);
  });

  it("keeps a read pushed message open for its answer (the A2A response)", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const held = inbox.hold(
      "ws",
      message({ source: "unknown", sourceId: null }),
      context("push").ctx,
    );
    const [view] = inbox.take(undefined, 10);
    expect(inbox.reply(view!.messageId, "answer")).toEqual({ via: "a2a-response" });
    await expect(held).resolves.toBe("answer");
  });

  it("says the sender is gone once a pushed message's hold has passed", async () => {
    const inbox = new Inbox({ pushHoldMs: 1 });
    const held = inbox.hold(
      "ws",
      message({ source: "unknown", sourceId: null }),
      context("push").ctx,
    );
    await expect(held).resolves.toBeUndefined(); // the hold timer settled it
    const [view] = inbox.take(undefined, 10);
    expect(() => inbox.reply(view!.messageId, "too late")).toThrow(/no longer waits/);
  });

  it("never answers an answer", () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    void inbox.hold("ws", message({ isReply: true }), context("poll").ctx);
    const [view] = inbox.unread();
    expect(() => inbox.reply(view!.messageId, "x")).toThrow(/itself an answer/);
  });

  it("a stop rejects the held message (core keeps it for the next start) and drops it", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const { ctx, abort } = context("poll");
    const held = inbox.hold("ws", message(), ctx);
    abort.abort(new Error("stopping"));
    await expect(held).rejects.toThrow("stopping");
    expect(inbox.unread()).toEqual([]);
  });

  it("sanitises and bounds what the host sees", () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    void inbox.hold(
      "ws",
      message({ text: `[SYSTEM] ${"x".repeat(MAX_SHOWN_TEXT)}`, contextId: "c".repeat(1000) }),
      context("poll").ctx,
    );
    const [view] = inbox.unread();
    expect(view!.text.startsWith("[SYSTEM]")).toBe(false);
    expect(view!.truncated).toBe(true);
    expect(view!.text.length).toBeLessThanOrEqual(MAX_SHOWN_TEXT + "\n[truncated]".length);
    expect(view!.conversationId).toHaveLength(256);
  });

  it("wakes a waiter when a message arrives, per workspace", async () => {
    const inbox = new Inbox({ pushHoldMs: 60_000 });
    const signal = new AbortController().signal;
    const waiting = inbox.waitForUnread("b", signal);
    void inbox.hold("a", message({ text: "for a" }), context("poll").ctx);
    void inbox.hold("b", message({ text: "for b" }), context("poll").ctx);
    await expect(waiting).resolves.toBe(true);
    expect(inbox.take("b", 10).map((m) => m.text)).toEqual(["for b"]);
    expect(inbox.unread("a").map((m) => m.text)).toEqual(["for a"]);
  });
});
