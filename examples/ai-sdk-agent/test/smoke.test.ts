// The AI SDK writer against an in-process emulator, and the built example run as a user runs it.
import { runExample, useEmulator, waitForReplies } from "@example/shared/testing";
import { sanitizePeerText } from "@molecule-ai/agent-core";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { DEMO_MODEL_LABEL, startAiSdkSpecialist } from "../src/agent.js";

const VERDICT = "true: verified against the style guide.";

const platform = useEmulator();

/** Workspaces for one test (the emulator is shared): writer, a Fact Checker peer answering VERDICT, a caller. */
async function org() {
  const { subjectWs, caller, received } = await platform.org({
    subject: "Writer",
    peer: "Fact Checker",
    caller: "Caller",
    answer: VERDICT,
  });
  return { emu: platform.emu, writerWs: subjectWs, caller, received };
}

describe("startAiSdkSpecialist", () => {
  it("answers through its push route handler, via the emulator's proxy, after asking the peer it names", async () => {
    const { emu, writerWs, caller, received } = await org();
    const writer = await startAiSdkSpecialist({
      platformUrl: emu.url,
      workspaceId: writerWs.id,
      token: writerWs.token!,
      delivery: "push",
    });
    platform.defer(writer.stop);
    expect(writer.model).toBe(DEMO_MODEL_LABEL);
    expect(writer.tools).toEqual(expect.arrayContaining(["call_fact_checker", "call_caller"]));
    // the platform knows the route (with its secret path segment) as the writer's URL
    expect(writer.pushUrl).toMatch(/^http:\/\/localhost:\d+\/molecule\/[\w-]{43}$/);
    expect((await emu.admin.getWorkspace(writerWs.id))["url"]).toBe(writer.pushUrl);

    const question = "Is this tagline accurate? Ask the fact checker.";
    const result = await caller.callPeer(writerWs.id, question);
    expect(result.status).toBe("completed");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toBe(
      `According to the fact checker: ${VERDICT}`,
    );
    expect(received).toEqual([question]);

    // the route is a capability URL: without the secret it is a 404
    const wrong = await fetch(writer.pushUrl!.replace(/[^/]+$/, "guess"), {
      method: "POST",
      body: "{}",
    });
    expect(wrong.status).toBe(404);
  });

  it("answers by polling: the reply lands in the caller's inbox", async () => {
    const { emu, writerWs, caller, received } = await org();
    const writer = await startAiSdkSpecialist({
      platformUrl: emu.url,
      workspaceId: writerWs.id,
      token: writerWs.token!,
    });
    platform.defer(writer.stop);
    expect(writer.agent.delivery).toBe("poll");
    expect(writer.pushUrl).toBeUndefined();
    const sent = await caller.callPeer(writerWs.id, "Hello?");
    expect(sent.status).toBe("queued");
    const [reply] = await waitForReplies(caller, writerWs.id);
    expect(sanitizePeerText(reply?.text)).toMatch(
      /^I am a demo model, not an LLM: name one of my peers \(.*\bfact checker\b/,
    );
    expect(received).toEqual([]);
  });

  it("uses the model it is given", async () => {
    const { emu, writerWs, caller } = await org();
    const model = new MockLanguageModelV4({
      doGenerate: {
        content: [{ type: "text", text: "from the real model" }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 1, text: 1, reasoning: undefined },
        },
        warnings: [],
      },
    });
    const writer = await startAiSdkSpecialist({
      platformUrl: emu.url,
      workspaceId: writerWs.id,
      token: writerWs.token!,
      delivery: "push",
      model,
    });
    platform.defer(writer.stop);
    expect(writer.model).toBe("mock-provider:mock-model-id");
    const result = await caller.callPeer(writerWs.id, "Hi");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toBe("from the real model");
    expect(model.doGenerateCalls).toHaveLength(1);
  });
});

describe("the example (node dist/main.js)", () => {
  it("runs offline: the Editor's message reaches the push route and is answered via the Fact Checker", async () => {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await runExample(new URL("../dist/main.js", import.meta.url), {
      unset: ["AI_SDK_MODEL"],
    });
    // Only the agents' own info lines (connected, stopped) on stderr: no warning, no error.
    const problems = err.split("\n").filter((l) => l !== "" && !l.startsWith("[molecule] info "));
    expect({ code, problems }).toEqual({ code: 0, problems: [] });
    expect(out).toContain(`model: ${DEMO_MODEL_LABEL}\n`);
    expect(out).toMatch(
      /^push route: http:\/\/localhost:\d+\/molecule\/<path secret> \(createPeerRequestHandler/m,
    );
    expect(out).toContain(
      "Editor -> Writer: Can a remote agent run behind NAT? Ask the fact checker.\n",
    );
    expect(out).toContain(
      "  Writer -> Fact Checker (peer tool call): Can a remote agent run behind NAT?",
    );
    expect(out).toMatch(
      /^Writer -> Editor: According to the fact checker: true: a remote agent can run behind NAT/m,
    );
    expect(out.trimEnd().endsWith("done")).toBe(true);
  });
});
