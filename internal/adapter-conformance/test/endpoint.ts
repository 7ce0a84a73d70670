// The suite's A2A endpoint helpers: a handler served behind core's createMessageEndpoint, an A2A
// call to it (streamed or not), a person's decision on the canvas, and the emulator they run on.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generatePathSecret } from "@molecule-ai/agent-core";
import { createMessageEndpoint } from "@molecule-ai/agent-core/adapters";
import type { MessageEndpointHandler } from "@molecule-ai/agent-core/adapters";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll } from "vitest";

/** One test file's emulator, its admin client, and what to close after its tests (in reverse). */
export interface SuiteEmulator {
  emu: Emulator;
  admin: AdminClient;
  cleanups: (() => Promise<unknown>)[];
}

/** Starts an emulator before the file's tests and closes it, after its cleanups, once they ran. */
export function useEmulator(): SuiteEmulator {
  const suite = { cleanups: [] } as unknown as SuiteEmulator;
  beforeAll(async () => {
    suite.emu = await startEmulator();
    suite.admin = new AdminClient({ platformUrl: suite.emu.url, adminToken: suite.emu.adminToken });
  });
  afterAll(async () => {
    for (const c of suite.cleanups.toReversed()) await c();
    await suite.admin?.close();
    await suite.emu?.close();
  });
  return suite;
}

/**
 * Serves `handler` with core's createMessageEndpoint on 127.0.0.1; resolves its URL (closed by
 * `cleanups`).
 */
export async function serve(
  handler: MessageEndpointHandler,
  cleanups: (() => Promise<unknown>)[],
): Promise<string> {
  const pathSecret = generatePathSecret();
  const a2a = createMessageEndpoint({ handler, agentCard: { name: "writer" }, pathSecret });
  const server = http.createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await a2a.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${pathSecret}`;
}

/** An A2A call: `message/stream` (the text pieces of the artifact updates) or `message/send`. */
export async function call(url: string, text: string, contextId: string, stream: boolean) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: stream ? "text/event-stream" : "application/json",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: stream ? "message/stream" : "message/send",
      params: {
        message: {
          kind: "message",
          role: "user",
          messageId: crypto.randomUUID(),
          contextId,
          parts: [{ kind: "text", text }],
        },
      },
    }),
  });
  const body = await res.text();
  const results = stream
    ? body
        .split("\n\n")
        .map((f) =>
          f
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5)),
        )
        .filter((d) => d.length > 0)
        .map((d) => (JSON.parse(d.join("\n")) as { result: Record<string, unknown> }).result)
    : [(JSON.parse(body) as { result: Record<string, unknown> }).result];
  const texts = results.flatMap((r) => {
    const parts = (r["artifact"] ?? r) as { parts?: { kind?: string; text?: string }[] };
    const t = (parts.parts ?? []).map((p) => p.text ?? "").join("");
    return t ? [t] : [];
  });
  return { stream: res.headers.get("content-type"), texts };
}

/** Decides the first pending request whose action names `order`, as a person on the canvas. */
export async function decide(
  admin: AdminClient,
  order: string,
  decision: "approved" | "denied",
): Promise<string> {
  for (;;) {
    const p = (await admin.listPendingApprovals()).find((a) => a.action.includes(order));
    if (p) {
      await admin.decideApproval(p.workspaceId, p.id, decision, { decidedBy: "dana" });
      return p.action;
    }
    await new Promise((r) => setImmediate(r));
  }
}
