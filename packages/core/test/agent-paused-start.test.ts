// start() on a paused workspace: `whenPaused` "refuse" (default) rejects with a MoleculeError
// workspace_paused and leaves it paused, "wait" registers once it is resumed, "resume" resumes it
// (the platform's resume, then registering; April's register resumes it, August's does not, and a
// platform that can do neither is an error); and a forced poll delivery on a platform without it
// is an error.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator, EmulatorOptions } from "@molecule-ai/platform-emulator";
import { errorFront, waitFor } from "@internal/test-utils";
import { describeStartError } from "../src/adapters/index.js";
import {
  isMoleculeError,
  PlatformClient,
  RemoteAgent,
  type RemoteAgentOptions,
} from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function pausedWorkspace(options?: EmulatorOptions) {
  const emu = await startEmulator(options);
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "paused" });
  await emu.admin.pause(ws.id);
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  cleanups.push(() => client.close());
  return { emu, id: ws.id, client };
}

function agent(client: PlatformClient, extra: Partial<RemoteAgentOptions<PlatformClient>> = {}) {
  const a = new RemoteAgent({ client, handler: () => undefined, logger: {}, ...extra });
  cleanups.push(() => a.stop());
  return a;
}

const status = async (emu: Emulator, id: string) =>
  (await emu.admin.getWorkspace(id))["status"] as string;

describe("RemoteAgent.start() on a paused workspace", () => {
  it.each(["latest", "2026-04"] as const)(
    "refuses by default (%s): a typed error saying how to resume, and the workspace stays paused",
    async (compat) => {
      const { emu, id, client } = await pausedWorkspace({ compat });
      const err = await agent(client)
        .start()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isMoleculeError(err, "workspace_paused")).toBe(true);
      expect(err).toMatchObject({ retryable: false });
      expect((err as Error).message).toContain(id);
      expect((err as Error).message).toContain('whenPaused: "resume"');
      expect(describeStartError(err, { workspaceId: id })).toContain("MOLECULE_RESUME=1");
      expect(await status(emu, id)).toBe("paused");
    },
  );

  it.each(["latest", "2026-04"] as const)(
    'whenPaused "resume" (%s): resumes it (latest: the platform\'s resume, then registering; 2026-04, whose resume refuses an external workspace: registering)',
    async (compat) => {
      const { emu, id, client } = await pausedWorkspace({ compat });
      await agent(client, { whenPaused: "resume" }).start();
      expect(await status(emu, id)).toBe("online");
    },
  );

  it('whenPaused "resume" where the platform cannot resume it (503) and registering does not: resume_unavailable, still paused', async () => {
    const { emu, id } = await pausedWorkspace();
    // A self-hosted August server without a provisioner answers every resume 503.
    const front = await errorFront({
      upstream: emu.url,
      answer: (req, res) => {
        if (req.method !== "POST" || !req.url?.endsWith("/resume")) return false;
        req.resume();
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "provisioner not available" }));
        return true;
      },
    });
    cleanups.push(() => front.close());
    const token = await emu.admin.createToken(id);
    const client = new PlatformClient({ platformUrl: front.url, workspaceId: id, token });
    cleanups.push(() => client.close());
    const err = await agent(client, { whenPaused: "resume" })
      .start()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isMoleculeError(err, "resume_unavailable")).toBe(true);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toContain("could not resume it (503");
    expect(describeStartError(err, { workspaceId: id })).toBe((err as Error).message);
    expect(await status(emu, id)).toBe("paused");
    expect(emu.heartbeats(id)).toEqual([]); // it never registered nor sent a heartbeat
  });

  it('whenPaused "wait": starts only once the workspace is resumed, then registers', async () => {
    const { emu, id, client } = await pausedWorkspace();
    const infos: string[] = [];
    const a = agent(client, {
      whenPaused: "wait",
      stateIntervalMs: 20, // how often the wait reads the state
      logger: { info: (m) => void infos.push(m) },
    });
    let started = false;
    const start = a.start().then(() => (started = true));
    await waitFor(() => infos.some((m) => m.includes("is paused: waiting")));
    expect(started).toBe(false);
    expect(await status(emu, id)).toBe("paused");
    await emu.admin.resume(id); // the newer contract hands it back to its agent
    await start;
    expect(await status(emu, id)).toBe("online");
  });

  it('whenPaused "wait": stop() ends the wait', async () => {
    const { client } = await pausedWorkspace();
    const infos: string[] = [];
    const a = agent(client, { whenPaused: "wait", logger: { info: (m) => void infos.push(m) } });
    const start = a.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => infos.length > 0);
    await a.stop();
    expect(await start).toMatchObject({ code: "agent_stopped" });
  });
});

describe("a forced delivery the platform lacks", () => {
  it('delivery "poll" on the April 2026 platform rejects start() with delivery_unsupported', async () => {
    const emu = await startEmulator({ compat: "2026-04" });
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: "poll-on-april" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => client.close());
    const a = agent(client, { delivery: "poll" });
    const err = await a.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "poll_delivery_unsupported", retryable: false });
    expect(a.delivery).not.toBe("poll");
    expect(describeStartError(err, { flags: true })).toContain("--delivery push");
  });
});
