// `@molecule-ai/ai-sdk/testing`'s models the way a user's test drives them: a scripted model
// calls a real peer (an echo agent on the test platform) through peerTools, then answers.
import { RemoteAgent } from "@molecule-ai/agent-core";
import { generateText, isStepCount, streamText } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { createPeerMessageHandler, peerTools } from "../src/index.js";
import { echoModel, scriptedModel, startTestPlatform } from "../src/testing.js";
import { toolResultsInPrompt } from "./helpers.js";
import { peerAnswerText } from "@internal/test-utils";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

describe("scriptedModel and echoModel", () => {
  it("plays a tool call to a live peer, then the text; the last step repeats", async () => {
    const platform = await startTestPlatform({ name: "support" });
    cleanups.push(() => platform.close());
    const billing = await platform.addWorkspace("Billing");
    const peer = new RemoteAgent({
      client: billing.client(),
      handler: createPeerMessageHandler(({ messages, abortSignal }) =>
        generateText({ model: echoModel({ prefix: "billing says: " }), messages, abortSignal }),
      ),
    });
    const me = new RemoteAgent({ client: platform.workspace.client(), handler: () => undefined });
    cleanups.push(
      () => peer.stop(),
      () => me.stop(),
    );
    await Promise.all([peer.start(), me.start()]);

    const model = scriptedModel([
      { toolName: "call_billing", input: { message: "refund?" } },
      "Refund approved.",
    ]);
    const tools = await peerTools(me, { listPeers: false, delegate: false });
    const run = await generateText({ model, tools, prompt: "help", stopWhen: isStepCount(3) });
    expect(run.text).toBe("Refund approved.");
    expect(toolResultsInPrompt(model, 1)).toEqual([
      { type: "text", value: peerAnswerText("Billing", "billing says: refund?") },
    ]);
    const again = await generateText({ model, prompt: "more" });
    expect(again.text).toBe("Refund approved.");
    expect(model.doGenerateCalls).toHaveLength(3);
  });

  it("echoModel streams word by word unless generateOnly; scriptedModel needs a step", async () => {
    const chunks: string[] = [];
    const streamed = streamText({ model: echoModel(), prompt: "one two three" });
    for await (const chunk of streamed.textStream) chunks.push(chunk);
    expect(chunks).toEqual(["echo: ", "one ", "two ", "three"]);
    await expect(
      echoModel({ generateOnly: true }).doStream({ prompt: [] } as never),
    ).rejects.toThrow("Not implemented");
    expect(() => scriptedModel([])).toThrow(expect.objectContaining({ code: "invalid_option" }));
  });
});
