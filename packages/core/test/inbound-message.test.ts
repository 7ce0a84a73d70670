import { describe, expect, it } from "vitest";
import {
  extractA2AText,
  buildMessageSendRequest,
  inboundFromA2AMessage,
} from "../src/public/a2a.js";
import { parseActivityRow } from "../src/public/wire.js";
import { summarizeA2AResult } from "../src/a2a/index.js";

const PEER = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

describe("parseActivityRow", () => {
  it("parses a flat baseline row from a peer (kind parts)", () => {
    const row = {
      id: "act-1",
      workspace_id: "w",
      activity_type: "a2a_receive",
      source_id: PEER,
      method: "message/send",
      summary: "message/send → me",
      created_at: "2026-04-27T11:00:00.123456Z",
      request_body: {
        jsonrpc: "2.0",
        id: "1",
        method: "message/send",
        params: {
          message: {
            role: "user",
            messageId: "m-1",
            contextId: "ctx-9",
            parts: [
              { kind: "text", text: "hel" },
              { kind: "text", text: "lo" },
            ],
          },
        },
      },
    };
    const m = parseActivityRow(row);
    expect(m).toMatchObject({
      activityId: "act-1",
      messageId: "m-1",
      method: "message/send",
      source: "peer_agent",
      sourceId: PEER,
      text: "hello",
      contextId: "ctx-9",
    });
    expect(m?.parts).toEqual([
      { kind: "text", text: "hel" },
      { kind: "text", text: "lo" },
    ]);
    expect(m?.receivedAt.toISOString()).toBe("2026-04-27T11:00:00.123Z");
    expect(m?.raw).toBe(row);
  });

  it("classifies a flat row with null source_id as the canvas user and reads legacy type parts", () => {
    const m = parseActivityRow({
      id: "act-2",
      activity_type: "a2a_receive",
      source_id: null,
      method: "message/send",
      request_body: { params: { message: { parts: [{ type: "text", text: "from canvas" }] } } },
    });
    expect(m?.source).toBe("canvas_user");
    expect(m?.sourceId).toBeNull();
    expect(m?.text).toBe("from canvas");
    expect(m?.parts).toEqual([{ kind: "text", text: "from canvas" }]);
  });

  it("parses the Python enrichment shape (data.*)", () => {
    const m = parseActivityRow({
      id: "act-3",
      data: {
        source: "peer_agent",
        source_id: PEER,
        text: "enriched",
        peer_name: "Researcher",
        peer_role: "sre",
        agent_card_url: "https://x/card",
      },
    });
    expect(m).toMatchObject({
      source: "peer_agent",
      sourceId: PEER,
      text: "enriched",
      peerName: "Researcher",
      peerRole: "sre",
      agentCardUrl: "https://x/card",
    });
    expect(parseActivityRow({ id: "a", data: { source: "user", text: "hi" } })?.source).toBe(
      "canvas_user",
    );
    expect(parseActivityRow({ id: "a", data: { text: "hi" } })?.source).toBe("unknown");
    expect(parseActivityRow({ id: "a", source_id: "user", data: { text: "hi" } })?.source).toBe(
      "canvas_user",
    );
  });

  it("returns null for non-inbound rows: no id, own notify echo, other activity types", () => {
    expect(parseActivityRow(null)).toBeNull();
    expect(parseActivityRow({ activity_type: "a2a_receive" })).toBeNull();
    expect(
      parseActivityRow({
        id: "n",
        activity_type: "a2a_receive",
        method: "notify",
        source_id: null,
        response_body: { result: "x" },
      }),
    ).toBeNull();
    expect(
      parseActivityRow({ id: "d", activity_type: "delegation", method: "delegate" }),
    ).toBeNull();
  });

  it("reads params.parts and top-level parts shapes, and structured data.message", () => {
    expect(
      parseActivityRow({
        id: "1",
        source_id: PEER,
        request_body: { params: { parts: [{ kind: "text", text: "p" }] } },
      })?.text,
    ).toBe("p");
    expect(
      parseActivityRow({
        id: "2",
        source_id: PEER,
        request_body: { parts: [{ type: "text", text: "q" }] },
      })?.text,
    ).toBe("q");
    expect(
      parseActivityRow({
        id: "3",
        data: { source: "peer_agent", message: { parts: [{ kind: "text", text: "structured" }] } },
      })?.text,
    ).toBe("structured");
  });
});

describe("inboundFromA2AMessage", () => {
  it("builds a push message from v0.3 and v1.0 messages", () => {
    const m = inboundFromA2AMessage({
      kind: "message",
      role: "user",
      messageId: "m",
      contextId: "c",
      parts: [{ kind: "text", text: "a" }, { text: "b" }],
    });
    expect(m).toMatchObject({
      activityId: undefined,
      messageId: "m",
      method: "message/send",
      source: "unknown",
      sourceId: null,
      text: "ab",
      contextId: "c",
    });
    expect(m.parts).toEqual([
      { kind: "text", text: "a" },
      { kind: "text", text: "b" },
    ]);
    const fromPeer = inboundFromA2AMessage(
      { messageId: "x", parts: [], metadata: { source_workspace_id: PEER } },
      { method: "SendMessage" },
    );
    // A sender id in the message's own metadata is an unauthenticated claim, never the identity.
    expect(fromPeer).toMatchObject({
      source: "unknown",
      sourceId: null,
      claimedSourceId: PEER,
      method: "SendMessage",
    });
  });
});

describe("outbound envelopes and tolerant result text", () => {
  it("builds a full v0.3 message/send envelope with kind on message and parts", () => {
    const req = buildMessageSendRequest({
      text: "hi",
      parts: [{ type: "text", text: "!" }, { text: "v1" }],
      role: "user",
      contextId: "c",
    });
    expect(req).toMatchObject({ jsonrpc: "2.0", method: "message/send" });
    expect(typeof req.id).toBe("string");
    expect(req.params.message).toMatchObject({ kind: "message", role: "user", contextId: "c" });
    expect(req.params.message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.params.message.parts).toEqual([
      { kind: "text", text: "hi" },
      { kind: "text", text: "!" },
      { kind: "text", text: "v1" },
    ]);
  });

  it("extracts text from every result shape", () => {
    const shapes: [unknown, string][] = [
      ["plain", "plain"],
      [
        {
          jsonrpc: "2.0",
          id: 1,
          result: {
            kind: "message",
            role: "agent",
            messageId: "m",
            parts: [{ kind: "text", text: "msg" }],
          },
        },
        "msg",
      ],
      [
        {
          kind: "task",
          id: "t",
          contextId: "c",
          status: { state: "completed" },
          artifacts: [
            { artifactId: "a", parts: [{ kind: "text", text: "art1" }] },
            { artifactId: "b", parts: [{ kind: "text", text: "art2" }] },
          ],
        },
        "art1\nart2",
      ],
      [
        {
          kind: "task",
          id: "t",
          contextId: "c",
          status: {
            state: "input-required",
            message: { parts: [{ kind: "text", text: "need more" }] },
          },
        },
        "need more",
      ],
      [
        {
          task: {
            id: "t",
            status: { state: "TASK_STATE_COMPLETED" },
            artifacts: [{ artifactId: "a", parts: [{ text: "v1 task" }] }],
          },
        },
        "v1 task",
      ],
      [{ message: { messageId: "m", role: "ROLE_AGENT", parts: [{ text: "v1 msg" }] } }, "v1 msg"],
      [
        { status: "completed", artifacts: [{ parts: [{ type: "text", text: "simplified" }] }] },
        "simplified",
      ],
      [
        {
          parts: [
            { type: "text", text: "bare" },
            { kind: "file", file: { uri: "x" } },
          ],
        },
        "bare",
      ],
      [{ result: "notify text" }, "notify text"],
      [{ parts: [{ root: { kind: "text", text: "legacy root" } }] }, "legacy root"],
      [{ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "nope" } }, ""],
      [42, ""],
    ];
    expect(shapes.map(([shape]) => extractA2AText(shape))).toEqual(shapes.map(([, text]) => text));
  });

  it("summarises outcome and ids", () => {
    expect(
      summarizeA2AResult({ kind: "task", id: "t1", contextId: "c1", status: { state: "failed" } }),
    ).toMatchObject({ status: "failed", taskId: "t1", contextId: "c1" });
    expect(
      summarizeA2AResult({
        task: { id: "t2", contextId: "c", status: { state: "TASK_STATE_WORKING" } },
      }),
    ).toMatchObject({ status: "working", taskId: "t2" });
    expect(
      summarizeA2AResult({
        kind: "message",
        messageId: "m",
        contextId: "c",
        parts: [{ kind: "text", text: "x" }],
      }),
    ).toEqual({
      status: "completed",
      text: "x",
      parts: [{ kind: "text", text: "x" }],
      artifacts: [],
      contextId: "c",
    });
  });
});
