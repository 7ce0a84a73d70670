// Restarting molecule-mcp after its host answered a message (#58 item 1): the host is shown no
// message twice, also when the state directory was deleted between the runs (the server resumes
// after the checkpoint it left in the workspace's activity log), and a message sent while it was
// down is shown once after the restart. The built bin over stdio, with the official MCP client.
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { connectStdio, structured, tempDir } from "./helpers.js";
import type { StdioSession } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

interface Shown {
  messageId: string;
  text: string;
}

/** Waits for the next messages and answers each; returns their texts. */
async function answerNext(s: StdioSession): Promise<string[]> {
  const got = structured<{ messages: Shown[] }>(
    await s.client.callTool({ name: "wait_for_message", arguments: { timeoutSeconds: 20 } }),
  );
  for (const m of got.messages) {
    await s.client.callTool({
      name: "reply",
      arguments: { messageId: m.messageId, text: `re: ${m.text}` },
    });
  }
  return got.messages.map((m) => m.text);
}

describe.each([
  ["as it was", false],
  ["after its state directory was deleted", true],
])("molecule-mcp restarted %s", (_name, wipe) => {
  it("shows the host no message twice, and once the message sent while it was down", async () => {
    const platform = await startTestPlatform({ name: "host" });
    cleanups.push(() => platform.close());
    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const state = tempDir();
    cleanups.push(state.remove);
    const env = { ...platform.workspace.env, MOLECULE_MCP_STATE_DIR: state.dir };

    const shown: string[] = [];
    const first = await connectStdio(env);
    const answered = asker.callPeer(platform.workspace.id, "m1", { timeoutMs: 30_000 });
    shown.push(...(await answerNext(first)));
    expect(await answered).toMatchObject({ status: "completed", text: "re: m1" });
    await first.close();
    if (wipe) {
      state.remove();
      // A new state directory: the workspace's checkpoint is all that is left of the first run.
    }

    await asker.callPeer(platform.workspace.id, "m2", { awaitReply: false });
    const second = await connectStdio(env);
    cleanups.push(async () => void (await second.close()));
    shown.push(...(await answerNext(second)));
    await asker.callPeer(platform.workspace.id, "m3", { awaitReply: false });
    shown.push(...(await answerNext(second)));
    expect(shown).toEqual(["m1", "m2", "m3"]);
  });
});
