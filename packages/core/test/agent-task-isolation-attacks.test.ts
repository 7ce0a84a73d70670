// Issue #69 for a RemoteAgent on push delivery (its own built-in server), through the emulator's
// proxy, on the default contract (August 2026: the proxy sends the platform's bearer) and on
// 2026-05 (the platform hands out the secret but pushes without it): peer workspace A starts a task (a non-blocking send) and asks a question (the handler's
// `askForInput`); peer workspace B, through the same proxy with its own token, is shown nothing of
// A's and reaches nothing by a guessed id (tasks/get, tasks/cancel, tasks/resubscribe, the push
// config methods, a message answering A's question), nor by the id the message's id and content
// would name (what question tasks were once named after): a question task's id is an HMAC under a
// key from the path secret, so a restart of the agent still answers the same task. A stranger
// POSTing to the push URL directly is refused without the platform's bearer on August; on May the
// path secret is the only check.
import { createHash, randomUUID } from "node:crypto";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { sseData, waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askForInput } from "../src/adapters/index.js";
import { memoryStore, PlatformClient, RemoteAgent, type InboundMessage } from "../src/index.js";
import { contentFingerprint, newTaskId } from "../src/a2a/server/derived-id.js";
import { pushKey } from "../src/inbound/dedup.js";
import type { A2AMessage } from "../src/public/a2a.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Peer {
  id: string;
  token: string;
  client: PlatformClient;
}

/** A JSON-RPC call through the platform's proxy as `from`: its answer (JSON, or a stream's first event). */
async function viaProxy(
  emu: Emulator,
  from: Peer,
  agentId: string,
  method: string,
  params: unknown,
): Promise<Json> {
  const res = await fetch(`${emu.url}/workspaces/${agentId}/a2a`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${from.token}`,
      "content-type": "application/json",
      "x-workspace-id": from.id,
      "x-source-workspace-id": from.id,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method, params }),
  });
  const text = await res.text();
  return text.trimStart().startsWith("{")
    ? (JSON.parse(text) as Json)
    : sseData(text.split("\n\n")[0] ?? "");
}

const user = (text: string, extra: Json = {}): Json => ({
  kind: "message",
  role: "user",
  messageId: randomUUID(),
  parts: [{ kind: "text", text }],
  ...extra,
});

/** What a question task's id was named after before #69: the message's id and content, unkeyed. */
function unkeyedQuestionId(message: A2AMessage): string {
  const key = pushKey(message.messageId, contentFingerprint(message));
  const h = createHash("sha256").update(`molecule-task\0${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

for (const compat of [undefined, "2026-05"] as const) {
  const contract = compat ?? "default, 2026-08";
  describe(`two callers of a RemoteAgent's push endpoint through the proxy (${contract} contract)`, () => {
    let emu: Emulator;
    let a: Peer;
    let b: Peer;
    let agentPeer: Peer;
    let agent: RemoteAgent<PlatformClient>;
    /** Handler runs, by text. */
    const runs: string[] = [];
    /** Releases the held runs. */
    const held = new Set<() => void>();

    const handler = async (msg: InboundMessage, ctx: { signal: AbortSignal }) => {
      runs.push(msg.text);
      if (msg.text.startsWith("hold")) {
        await new Promise<void>((resolve) => {
          held.add(resolve);
          ctx.signal.addEventListener("abort", () => resolve());
        });
        return "done";
      }
      if (msg.text.startsWith("ask") && msg.taskId === undefined) {
        return askForInput(msg, "confirm the transfer of 100 EUR?");
      }
      return `confirmed: ${msg.text}`;
    };

    const startAgent = async (): Promise<RemoteAgent<PlatformClient>> => {
      const started = new RemoteAgent({
        client: agentPeer.client,
        store: memoryStore(),
        delivery: { mode: "push", port: 0, streaming: true },
        handler,
        logger: {},
      });
      await started.start();
      if (compat === undefined) await waitFor(() => agentPeer.client.files.signsPushes);
      return started;
    };

    beforeAll(async () => {
      emu = await startEmulator(compat === undefined ? {} : { compat });
      const peer = async (name: string): Promise<Peer> => {
        const w = await emu.admin.createWorkspace({ name });
        const token = w.token ?? (await emu.admin.createToken(w.id));
        const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
        return { id: w.id, token, client };
      };
      agentPeer = await peer("agent");
      a = await peer("a");
      b = await peer("b");
      agent = await startAgent();
    });

    afterAll(async () => {
      for (const release of held) release();
      await agent?.stop();
      for (const p of [a, b, agentPeer]) await p?.client.close();
      await emu?.close();
    });

    it("B is shown none of A's running task and reaches nothing by a guessed id", async () => {
      const started = await a.client.peerTasks(agentPeer.id).start("hold A's transfer");
      if (started.kind !== "task") throw new Error("expected a task");
      await waitFor(() => runs.includes("hold A's transfer"));
      const call = (method: string, params: unknown) =>
        viaProxy(emu, b, agentPeer.id, method, params);

      const listed = await call("ListTasks", {});
      expect(listed.result).toMatchObject({ tasks: [], totalSize: 0 });
      const byContext = await call("ListTasks", { contextId: started.contextId });
      expect(byContext.result).toMatchObject({ tasks: [], totalSize: 0 });
      expect((await b.client.peerTasks(agentPeer.id).list()).tasks).toEqual([]);

      const guess = newTaskId();
      const tries: Array<[string, unknown]> = [
        ["tasks/get", { id: guess }],
        ["tasks/cancel", { id: guess }],
        ["tasks/resubscribe", { id: guess }],
        ["message/send", { message: user("yes", { taskId: guess }) }],
      ];
      const codes: Array<[string, unknown]> = [];
      for (const [method, params] of tries) {
        codes.push([method, (await call(method, params)).error?.code]);
      }
      expect(codes).toEqual(tries.map(([method]) => [method, -32001]));
      // B's webhook on A's task, and A's webhooks read back or deleted: the task is unknown.
      const configs: Array<[string, unknown]> = [
        [
          "tasks/pushNotificationConfig/set",
          { taskId: guess, pushNotificationConfig: { url: "https://93.184.216.34/b" } },
        ],
        ["tasks/pushNotificationConfig/get", { id: guess }],
        ["tasks/pushNotificationConfig/list", { id: guess }],
        ["tasks/pushNotificationConfig/delete", { id: guess, pushNotificationConfigId: "x" }],
      ];
      const refused: Array<[string, unknown]> = [];
      for (const [method, params] of configs) {
        refused.push([method, (await call(method, params)).error?.code]);
      }
      expect(refused).toEqual(configs.map(([method]) => [method, -32001]));
      expect(runs.filter((r) => r === "yes")).toEqual([]);

      // A's task is untouched; A holds its id, reads it and ends it.
      const mine = a.client.peerTasks(agentPeer.id);
      expect((await mine.get(started.id)).status.state).toBe("working");
      expect((await mine.cancel(started.id)).status.state).toBe("canceled");
    });

    it("B can neither compute nor answer A's question, even knowing the message; a restart answers the same task", async () => {
      // A names its own conversation, as A2A clients do: all of the message is A's (and the log's).
      const messageId = randomUUID();
      const contextId = `a-conversation-${randomUUID()}`;
      const ask = () =>
        a.client.callPeer(agentPeer.id, "ask to transfer 100 EUR", {
          messageId,
          contextId,
          timeoutMs: 30_000,
        });
      const asked = await ask();
      if (asked.status !== "input-required")
        throw new Error(`expected a question, got ${asked.status}`);
      const taskId = asked.taskId!;
      expect(taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      // B knows the message as it reached the agent (its id and content), as a proxy log would.
      const received = emu
        .activity(agentPeer.id)
        .filter((r) => r["activity_type"] === "a2a_receive")
        .map((r) => (r["request_body"] as { params?: { message?: A2AMessage } }).params?.message)
        .find((m) => m?.messageId === messageId)!;
      expect(received).toBeDefined();
      const computed = unkeyedQuestionId(received);
      expect(computed).not.toBe(taskId);
      const call = (method: string, params: unknown) =>
        viaProxy(emu, b, agentPeer.id, method, params);
      for (const id of [computed, newTaskId()]) {
        expect((await call("tasks/get", { id })).error?.code).toBe(-32001);
        const answer = await call("message/send", { message: user("yes from B", { taskId: id }) });
        expect(answer.error?.code).toBe(-32001);
      }
      expect((await call("ListTasks", {})).result).toMatchObject({ tasks: [], totalSize: 0 });
      expect(runs).not.toContain("yes from B");

      // A restart (a new agent on the same workspace: the path secret comes from its token) names
      // the question alike: A's resend of the message is the same task, and A's answer completes it.
      await agent.stop();
      agent = await startAgent();
      const again = await ask();
      expect([again.status, again.status !== "queued" && again.taskId]).toEqual([
        "input-required",
        taskId,
      ]);
      const done = await a.client.callPeer(agentPeer.id, "yes, transfer", {
        taskId,
        contextId,
        timeoutMs: 30_000,
      });
      expect([done.status, done.status !== "queued" && done.taskId]).toEqual(["completed", taskId]);
      expect(done.status !== "queued" && done.text).toContain("confirmed: yes, transfer");
      expect(runs).not.toContain("yes from B");
    });

    /** A stranger's JSON-RPC POST straight to the agent's push URL, without any bearer. */
    const direct = (method: string, params: unknown) =>
      fetch(agent.pushUrl!, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });

    it.runIf(compat === undefined)(
      "a stranger POSTing to the push URL directly is refused without the platform's bearer (401)",
      async () => {
        const before = runs.length;
        const sent = await direct("message/send", { message: user("forged") });
        const listed = await direct("ListTasks", {});
        const got = await direct("tasks/get", { id: newTaskId() });
        expect([sent.status, listed.status, got.status]).toEqual([401, 401, 401]);
        const body = await sent.text();
        expect(body).toMatch(/only the platform may push/);
        expect(body).not.toContain(agentPeer.client.files.inboundSecret!);
        expect(runs.length).toBe(before);
      },
    );

    it.runIf(compat === "2026-05")(
      "a stranger POSTing to the push URL directly still reaches no task (the path secret is the check)",
      async () => {
        // A May-June 2026 platform pushes without a bearer: there is none to require.
        const listed = (await (await direct("ListTasks", {})).json()) as Json;
        const got = (await (await direct("tasks/get", { id: newTaskId() })).json()) as Json;
        expect(listed.result).toMatchObject({ tasks: [], totalSize: 0 });
        expect(got.error?.code).toBe(-32001);
      },
    );
  });
}
