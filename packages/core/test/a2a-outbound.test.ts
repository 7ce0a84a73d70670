// Outbound A2A: the v1.0 SendMessage request and the protocol a peer's card asks for.
import { describe, expect, it } from "vitest";
import {
  buildMessageSendRequest,
  buildSendMessageRequestV1,
  peerProtocolFromCard,
  toSendMessageRequestV1,
} from "../src/a2a/outbound.js";

describe("v1.0 SendMessage", () => {
  it("converts the v0.3 request to proto-JSON with the same ids", () => {
    const v03 = buildMessageSendRequest({
      text: "hi",
      parts: [
        {
          kind: "file",
          file: { uri: "https://x/y.pdf", name: "y.pdf", mimeType: "application/pdf" },
        },
        { kind: "data", data: { a: 1 } },
      ],
      role: "user",
      contextId: "ctx",
      metadata: { m: 1 },
    });
    const v1 = toSendMessageRequestV1(v03);
    expect(v1).toEqual({
      jsonrpc: "2.0",
      id: v03.id,
      method: "SendMessage",
      params: {
        message: {
          messageId: v03.params.message.messageId,
          role: "ROLE_USER",
          contextId: "ctx",
          metadata: { m: 1 },
          parts: [
            { text: "hi" },
            { url: "https://x/y.pdf", filename: "y.pdf", mediaType: "application/pdf" },
            { data: { a: 1 } },
          ],
        },
      },
    });
    expect(JSON.stringify(v1)).not.toContain('"kind"');
    expect(buildSendMessageRequestV1({ text: "a", role: "agent" }).params.message.role).toBe(
      "ROLE_AGENT",
    );
  });
});

const iface = (protocolVersion: string, protocolBinding = "JSONRPC") => ({
  url: "http://p/a2a",
  protocolBinding,
  protocolVersion,
});

describe("peerProtocolFromCard", () => {
  it("1.0 only when every JSON-RPC interface is 1.x and there is no v0.3 top level", () => {
    expect(peerProtocolFromCard({ name: "s", supportedInterfaces: [iface("1.0")] })).toBe("1.0");
    expect(
      peerProtocolFromCard({
        name: "s",
        supportedInterfaces: [iface("1.0"), iface("0.3", "HTTP+JSON")],
      }),
    ).toBe("1.0");
  });
  it("0.3 when the card advertises v0.3 anywhere on JSON-RPC or at the top level", () => {
    expect(peerProtocolFromCard({ supportedInterfaces: [iface("1.0"), iface("0.3")] })).toBe("0.3");
    expect(peerProtocolFromCard({ url: "http://p", protocolVersion: "0.3.0" })).toBe("0.3");
    expect(
      peerProtocolFromCard({ protocolVersion: "0.3.0", supportedInterfaces: [iface("1.0")] }),
    ).toBe("0.3"); // our own hybrid card
  });
  it("undefined when the card says nothing usable", () => {
    for (const card of [
      null,
      "x",
      {},
      { name: "n" },
      { supportedInterfaces: [iface("1.0", "GRPC")] },
    ]) {
      expect(peerProtocolFromCard(card)).toBeUndefined();
    }
  });
});
