// Unit tests for the emulator's intricate pure logic: OFFSEC-003 wrapping and SSRF classification.
import { describe, expect, it } from "vitest";
import { wrapPeerResult } from "../src/index.js";
import { classifyIp } from "../src/util.js";

const w = (t: string) => `[A2A_RESULT_FROM_PEER]\n${t}\n[/A2A_RESULT_FROM_PEER]`;

describe("wrapPeerResult", () => {
  it("wraps v0.3 Message parts (kind or legacy type) and leaves file/data parts", () => {
    const body = {
      jsonrpc: "2.0",
      id: 1,
      result: {
        kind: "message",
        parts: [
          { kind: "text", text: "a" },
          { type: "text", text: "b" },
          { kind: "file", file: { uri: "x" } },
          { kind: "data", data: { text: "not a text part" } },
        ],
      },
    };
    expect(wrapPeerResult(body)).toBe(true);
    expect(body.result.parts).toEqual([
      { kind: "text", text: w("a") },
      { type: "text", text: w("b") },
      { kind: "file", file: { uri: "x" } },
      { kind: "data", data: { text: "not a text part" } },
    ]);
  });

  it("wraps v1.0 results ({message} / {task}) whose parts carry only text", () => {
    const body = {
      result: {
        task: {
          id: "t",
          status: { state: "TASK_STATE_COMPLETED", message: { parts: [{ text: "s" }] } },
          artifacts: [{ parts: [{ text: "a" }] }],
        },
      },
    };
    expect(wrapPeerResult(body)).toBe(true);
    expect(body.result.task.status.message.parts[0]?.text).toBe(w("s"));
    expect(body.result.task.artifacts[0]?.parts[0]?.text).toBe(w("a"));
  });

  it("wraps a bare string result; leaves errors and non-objects alone", () => {
    const s = { result: "plain" };
    expect(wrapPeerResult(s)).toBe(true);
    expect(s.result).toBe(w("plain"));
    const err = { error: { code: -32601, message: "nope" } };
    expect(wrapPeerResult(err)).toBe(false);
    expect(err).toEqual({ error: { code: -32601, message: "nope" } });
    expect(wrapPeerResult(null)).toBe(false);
    expect(wrapPeerResult([1])).toBe(false);
  });
});

describe("classifyIp", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.169.254", "blocked"],
    ["100.64.0.1", "blocked"],
    ["192.0.2.1", "blocked"],
    ["224.0.0.1", "blocked"],
    ["fe80::1", "blocked"],
    ["2001:db8::1", "blocked"],
    ["0.0.0.0", "blocked"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["fd12::1", "private"],
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
    ["not-an-ip", "blocked"],
  ])("%s is %s", (ip, cls) => {
    expect(classifyIp(ip)).toBe(cls);
  });
});
