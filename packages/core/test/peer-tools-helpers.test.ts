// Small framework-neutral helpers of /peer-tools the adapters build on: error fields, text
// content, one peer exchange as plain data.
import { describe, expect, it } from "vitest";
import { MoleculePeerError } from "../src/index.js";
import type { PeerCallResult } from "../src/index.js";
import {
  callPeerStep,
  contentText,
  errorFields,
  sanitizeTextContent,
} from "../src/peer-tools/index.js";

const wrap = (text: string) => `[A2A_RESULT_FROM_PEER] ${text} [/A2A_RESULT_FROM_PEER]`;

describe("errorFields", () => {
  it("keeps a MoleculeError's code, status and retryable, and nothing else", () => {
    const error = new MoleculePeerError("down", {
      peerId: "p",
      code: "peer_unreachable",
      status: 502,
      retryable: true,
    });
    expect(errorFields(error)).toEqual({
      name: error.name,
      message: "down",
      code: "peer_unreachable",
      status: 502,
      retryable: true,
    });
    expect(errorFields(new TypeError("bug"))).toEqual({ name: "TypeError", message: "bug" });
    expect(errorFields("text")).toEqual({ name: "Error", message: "text" });
  });
});

describe("text content", () => {
  it("joins the text of strings and text blocks", () => {
    expect(contentText("plain")).toBe("plain");
    expect(contentText(["a", { type: "text", text: "b" }, { type: "image", url: "x" }])).toBe("ab");
    expect(contentText(undefined)).toBe("");
  });

  it("sanitises strings and text blocks, keeps other blocks, and returns the same content when clean", () => {
    const image = { type: "image", url: "x" };
    const dirty = [wrap("hi"), { type: "text", text: wrap("there") }, image];
    const clean = sanitizeTextContent(dirty);
    expect(clean).toEqual(["hi", { type: "text", text: "there" }, image]);
    expect(clean[2]).toBe(image);
    expect(sanitizeTextContent(wrap("s"))).toBe("s");
    const already = ["hi", { type: "text", text: "there" }, image];
    expect(sanitizeTextContent(already)).toBe(already);
    expect(sanitizeTextContent(42)).toBe(42);
  });
});

const result = (fields: Record<string, unknown>): PeerCallResult =>
  ({ peerId: "p", status: "completed", text: "", ...fields }) as PeerCallResult;
const clientAnswering = (answer: PeerCallResult, seen: unknown[] = []) => ({
  callPeer: async (...args: unknown[]) => {
    seen.push(args);
    return answer;
  },
});

describe("callPeerStep", () => {
  it("keeps the sanitised text and the ids that continue the conversation", async () => {
    const seen: unknown[] = [];
    const client = clientAnswering(
      result({ status: "input-required", text: wrap("which one?"), contextId: "c", taskId: "t" }),
      seen,
    );
    const step = await callPeerStep(client, { id: "p", name: "Billing" }, "refund", {
      contextId: "c0",
    });
    expect(step.status).toBe("input-required");
    expect(step).toEqual({
      status: "input-required",
      text: "which one?",
      contextId: "c",
      taskId: "t",
    });
    expect(seen).toEqual([["p", "refund", { contextId: "c0" }]]);
  });

  it("says a queued message's answer comes later", async () => {
    const client = clientAnswering(result({ status: "queued", text: "" }));
    expect(await callPeerStep(client, { id: "p", name: "Billing" }, "hi")).toEqual({
      status: "queued",
      text: "The message to Billing is queued; its answer will arrive later.",
    });
  });
});
