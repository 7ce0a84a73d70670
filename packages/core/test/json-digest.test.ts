// The fingerprint of a pushed message hashes long strings in slices (json-digest.ts): it must be
// the same digest as hashing the whole JSON text, which claims stored by earlier versions (and by
// replicas still running them) were computed with, whatever the text holds at a slice's edge.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { jsonSha256Base64url } from "../src/a2a/server/json-digest.js";
import { contentFingerprint } from "../src/a2a/index.js";

const whole = (value: unknown): string =>
  createHash("sha256").update(JSON.stringify(value), "utf8").digest("base64url");

const SLICE = 64 * 1024;

describe("jsonSha256Base64url", () => {
  it("is the digest of the whole JSON text, for long strings with pairs, lone halves and escapes at slice edges", () => {
    const pair = "\u{1F600}"; // a surrogate pair
    const cases = [
      "a".repeat(SLICE - 1) + pair + "b".repeat(SLICE), // a pair across the first edge
      "\ud800".repeat(SLICE + 3), // lone high halves
      "\udc00" + "c".repeat(SLICE) + "\ud800", // lone halves at both ends
      '"\\\n\u0000'.repeat(SLICE), // characters JSON escapes
      "é漢".repeat(SLICE),
    ];
    for (const text of cases) {
      const value = [
        null,
        "task-1",
        [
          { kind: "text", text },
          { kind: "text", text: "short" },
        ],
      ];
      expect(jsonSha256Base64url(value)).toBe(whole(value));
    }
  });

  it("keeps the fingerprint of a message as before: sha256 of [contextId, taskId, parts]", () => {
    const m = {
      kind: "message" as const,
      messageId: "m-1",
      role: "user" as const,
      contextId: "ctx-1",
      parts: [{ kind: "text" as const, text: "x".repeat(3 * SLICE + 5) }],
    };
    expect(contentFingerprint(m)).toBe(whole(["ctx-1", null, m.parts]));
    m.contextId = "ctx-2"; // computed from what it was computed of, not remembered blindly
    expect(contentFingerprint(m)).toBe(whole(["ctx-2", null, m.parts]));
  });
});
