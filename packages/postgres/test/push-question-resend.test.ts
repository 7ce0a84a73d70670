// A pushed question (the handler answered with `askForInput`) sent again under the same messageId
// is the same A2A task, on the same replica and after a restart: the push claim stores that the
// handler asked, not only the question's text, so the stored reply is answered as the task.
import { describe, expect, it } from "vitest";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { askForInput } from "@molecule-ai/agent-core/adapters";
import type { InboundMessage, PeerCallResult } from "@molecule-ai/agent-core";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });

function idOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.taskId;
}

function textOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.text;
}

describe("a pushed question sent again (Postgres store)", () => {
  it("is the same input-required task on the same agent and after a restart; its answer completes it", async () => {
    const b = await pg.workspaceClient("weather");
    const { client: caller } = await pg.workspaceClient("caller");
    const seen: string[] = [];
    /** Starts the weather agent on a new store; resolves with its stop. */
    const start = async (): Promise<() => Promise<void>> => {
      const store = createPostgresStore({ connectionString: pg.dbUrl });
      const agent = new RemoteAgent({
        client: b.client,
        store,
        logger: {},
        delivery: { mode: "push", port: 0 },
        handler: (msg: InboundMessage) => {
          seen.push(msg.text);
          return msg.taskId === undefined
            ? askForInput(msg, "Which city?")
            : `Sunny in ${msg.text}`;
        },
      });
      await agent.start();
      let stopped = false;
      return async () => {
        if (stopped) return; // once: a second store.close() would hide the test's own error
        stopped = true;
        await agent.stop();
        await store.close();
      };
    };
    let stop = await start();
    try {
      const messageId = crypto.randomUUID();
      const ask = async () => await caller.callPeer(b.id, "What is the weather?", { messageId });
      const asked = await ask();
      expect(asked.status).toBe("input-required");
      expect(textOf(asked)).toContain("Which city?");
      const again = await ask(); // the proxy's retry, or the caller's own resend
      expect([again.status, idOf(again)]).toEqual(["input-required", idOf(asked)]);
      await stop();
      stop = await start();
      const restarted = await ask();
      expect([restarted.status, idOf(restarted)]).toEqual(["input-required", idOf(asked)]);
      expect(textOf(restarted)).toContain("Which city?");
      expect(seen).toEqual(["What is the weather?"]); // the resends ran no handler
      const done = await caller.callPeer(b.id, "Oslo", {
        taskId: idOf(asked)!,
        contextId: asked.status === "queued" ? undefined : asked.contextId,
      });
      expect([done.status, idOf(done)]).toEqual(["completed", idOf(asked)]);
      expect(textOf(done)).toContain("Sunny in Oslo");
    } finally {
      await stop();
    }
  });
});
