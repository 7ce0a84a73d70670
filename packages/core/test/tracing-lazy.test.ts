// `@opentelemetry/api` is an optional peer: importing the SDK never loads it, nor does a traced call
// while nothing is registered with the API (issue 88: ~12 MiB of an idle agent); the first traced
// call after a registration does (once), and without an SDK registered nothing is recorded or sent.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";

const run = promisify(execFile);
const dist = new URL("../dist/index.js", import.meta.url).href;

/** Runs `body` in a fresh Node process with `core` imported; returns what it printed as JSON. */
async function inFreshProcess(body: string, env: Record<string, string> = {}): Promise<unknown> {
  const script = `
    import { registerHooks } from "node:module";
    // Every module resolved from now on, by import or require.
    const resolved = [];
    registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); resolved.push(r.url); return r; } });
    const loaded = () => resolved.some((url) => url.includes("@opentelemetry"));
    const core = await import(${JSON.stringify(dist)});
    ${body}
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, ...env, MOLECULE_LOG_LEVEL: "silent" },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("OpenTelemetry is optional and lazy", () => {
  it("importing core does not load @opentelemetry/api, nor do platform requests until something registers with it", async () => {
    const emu = await startEmulator();
    try {
      const ws = await emu.admin.createWorkspace({ name: "lazy" });
      const result = await inFreshProcess(`
        const atImport = loaded();
        const client = new core.PlatformClient({ platformUrl: ${JSON.stringify(emu.url)}, workspaceId: ${JSON.stringify(ws.id)}, token: ${JSON.stringify(ws.token)} });
        await client.heartbeat();
        const afterRequest = loaded();
        // What the API does on its first registration (a tracer provider, a context manager...).
        globalThis[Symbol.for("opentelemetry.js.api.1")] = { version: "1.10.0" };
        await client.heartbeat();
        const afterRegistration = loaded();
        await client.close();
        console.log(JSON.stringify({ atImport, afterRequest, afterRegistration }));
      `);
      expect(result).toEqual({ atImport: false, afterRequest: false, afterRegistration: true });
    } finally {
      await emu.close();
    }
  });

  it("with the API but no SDK registered, messages carry no trace context", async () => {
    const emu = await startEmulator();
    try {
      const a = await emu.admin.createWorkspace({ name: "sender" });
      // A poll receiver (no agent runs): the platform queues the message in its inbox.
      const b = await emu.admin.createWorkspace({ name: "receiver", deliveryMode: "poll" });
      await inFreshProcess(`
        const client = new core.PlatformClient({ platformUrl: ${JSON.stringify(emu.url)}, workspaceId: ${JSON.stringify(a.id)}, token: ${JSON.stringify(a.token)} });
        await client.callPeer(${JSON.stringify(b.id)}, "no trace here");
        await client.close();
        console.log("{}");
      `);
      const row = emu.activity(b.id).find((r) => r["method"] === "message/send")!;
      const message = (row["request_body"] as { params: { message: { metadata: object } } }).params
        .message;
      expect(message.metadata).toEqual({ molecule_source_workspace_id: a.id });
    } finally {
      await emu.close();
    }
  });
});
