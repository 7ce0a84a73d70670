// The two integrations that live as examples, Mastra (examples/mastra-agent) and Google ADK
// (examples/adk-agent), held to streaming-approvals.test.ts's two behaviours the same way: each
// started as a workspace on the emulator (its `start*Agent`, on the model its own tests use) and its
// message handler served by core's createMessageEndpoint over real HTTP. A `message/stream` caller
// gets the answer in more than one piece, joined the whole answer; a `refund` tool that needs a
// person (Mastra's `needsApproval` suspend/resume, ADK's `requireConfirmation`) asks through core's
// approvals on the emulator, the person sees the tool's complete input, and the tool runs only when
// approved. (Their `start*Agent` needs a workspace, so they are a describe each, not table rows.)
// Cloudflare Agents, the fourth integration, runs under workerd: examples/cloudflare-agent's own
// test covers it.
import { startAdkAgent } from "@example/adk-agent";
import { startMastraAgent } from "@example/mastra-agent";
import { scriptedModel } from "@molecule-ai/ai-sdk/testing";
import { describe, expect, it } from "vitest";
import { call, decide, serve, useEmulator } from "./endpoint.js";

const ANSWER = "alpha beta gamma delta";
const suite = useEmulator();
const { cleanups } = suite;

/** A new workspace on the emulator: what `start*Agent` connects with (pushed, so no poll). */
async function workspace(name: string) {
  const ws = await suite.emu.admin.createWorkspace({ name });
  return {
    platformUrl: suite.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
    delivery: "push" as const,
    approvalPollMs: 50,
  };
}

describe("mastra: streaming behind createMessageEndpoint", () => {
  it("a message/stream caller gets the answer in pieces; a contextId it sends again keys no history", async () => {
    // The AI SDK's scripted model (as the Mastra example's tests run it) streams word by word.
    const model = scriptedModel([ANSWER, "second"]);
    const writer = await startMastraAgent({ ...(await workspace("mastra-stream")), model });
    cleanups.push(writer.stop);
    const url = await serve(writer.handler, cleanups);
    const first = await call(url, "write four words", "mastra-s", true);
    expect(first.stream).toMatch(/^text\/event-stream/);
    expect(first.texts.length).toBeGreaterThan(1);
    expect(first.texts.join("")).toBe(ANSWER);
    // A push names no caller, and a contextId may be one a caller learned from another: the
    // example's default key (the AI SDK adapter's, whose streamed turns the conformance table
    // shows saved) keeps no history for it.
    const second = await call(url, "and again", "mastra-s", false);
    expect(second.texts.join("")).toBe("second");
    expect(JSON.stringify(model.doStreamCalls.at(-1)?.prompt ?? [])).not.toContain(ANSWER);
  });
});

describe("mastra: a tool call a person approves on the canvas", () => {
  it.each(["approved", "denied"] as const)(
    "%s: one request, the tool's complete input shown; it runs only when approved",
    async (decision) => {
      const order = `mastra-${decision}-1`;
      const model = scriptedModel([{ toolName: "refund", input: { order } }, "done"]);
      const writer = await startMastraAgent({
        ...(await workspace(`mastra-${decision}`)),
        model,
      });
      cleanups.push(writer.stop);
      const url = await serve(writer.handler, cleanups);
      const [answer, action] = await Promise.all([
        call(url, `refund order ${order}`, `mastra-${decision}`, true),
        decide(suite.admin, order, decision),
      ]);
      expect(action).toBe(`run tool refund with input {"order":"${order}"}`);
      expect(writer.refunded).toEqual(decision === "approved" ? [order] : []);
      expect(answer.texts.join("")).toBe("done");
    },
  );
});

describe("google-adk: streaming behind createMessageEndpoint", () => {
  it("a message/stream caller gets the answer in pieces (StreamingMode.SSE); joined, the whole answer", async () => {
    // The example's DemoLlm: streamed, its text answer comes word by word as partial responses.
    const writer = await startAdkAgent(await workspace("adk-stream"));
    cleanups.push(writer.stop);
    const url = await serve(writer.handler, cleanups);
    const streamed = await call(url, "write four words", "adk-s", true);
    expect(streamed.stream).toMatch(/^text\/event-stream/);
    // The same question sent whole (no partial responses), in a conversation of its own.
    const whole = await call(url, "write four words", "adk-w", false);
    expect(whole.texts.join("")).toMatch(/^I am a demo model: /);
    expect(streamed.texts.length).toBeGreaterThan(1);
    expect(streamed.texts[0]).toBe("I ");
    expect(streamed.texts.join("")).toBe(whole.texts.join(""));
  });
});

describe("google-adk: a tool call a person approves on the canvas", () => {
  it.each(["approved", "denied"] as const)(
    "%s: one request, the tool's complete input shown; it runs only when approved",
    async (decision) => {
      const order = `adk-${decision}-1`;
      const writer = await startAdkAgent(await workspace(`adk-${decision}`));
      cleanups.push(writer.stop);
      const url = await serve(writer.handler, cleanups);
      const [answer, action] = await Promise.all([
        call(url, `refund order ${order}`, `adk-${decision}`, true),
        decide(suite.admin, order, decision),
      ]);
      expect(action).toBe(`run tool refund with input {"order":"${order}"}`);
      expect(writer.refunded).toEqual(decision === "approved" ? [order] : []);
      // What the DemoLlm read back: the tool's result, or ADK's own rejection of the call.
      expect(answer.texts.join("")).toBe(
        decision === "approved"
          ? `refund: {"result":"refunded ${order}"}`
          : 'refund: {"error":"This tool call is rejected."}',
      );
    },
  );
});
