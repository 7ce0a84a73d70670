// An operator rotates an external workspace's credentials (molecule-core #2852: every token is
// revoked, one is minted) while its agent runs. Over real HTTP against the emulator: an agent
// started from a token file (`MOLECULE_WORKSPACE_TOKEN_FILE`) reads the file again on a 401 and
// goes on with the new token written there, without a restart; an agent left with the old token
// says in one line that its token was revoked or rotated and how to give it the new one. And the
// token file itself: it must hold the token, or starting fails saying so (#2934/#2935).
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { FileTokenStore, isMoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";
import type { Logger, RemoteAgentOptions } from "../src/index.js";
import { describeStartError } from "../src/adapters/index.js";
import { AdminClient } from "../src/public/admin.js";
import { recorder } from "./fixtures/log-lines.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function setup() {
  const emu: Emulator = await startEmulator();
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  const dir = await mkdtemp(join(tmpdir(), "mol-rotate-"));
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const ws = await admin.createExternalWorkspace({ name: "agent" });
  const peer = await admin.createExternalWorkspace({ name: "peer" });
  const file = join(dir, "token");
  await writeFile(file, `${ws.token!}\n`, { mode: 0o600 });
  return { emu, admin, ws: { id: ws.id, token: ws.token! }, peer, file };
}

function agentOn(
  emu: Emulator,
  workspaceId: string,
  store: FileTokenStore,
  logger: Logger,
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
) {
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId,
    tokenStore: store,
    logger,
  });
  const texts: string[] = [];
  const agent = new RemoteAgent({
    client,
    logger,
    delivery: "poll",
    handler: (m) => {
      texts.push(m.text);
    },
    ...extra,
  });
  cleanups.push(
    () => agent.stop(),
    () => client.close(),
  );
  return { client, agent, texts };
}

describe("an agent whose credentials an operator rotates", () => {
  it("started from a token file: the new token written there is used on the next 401, without a restart", async () => {
    const { emu, admin, ws, peer, file } = await setup();
    const { logger, lines } = recorder();
    const { agent, texts } = agentOn(
      emu,
      ws.id,
      new FileTokenStore({ workspaceId: ws.id, file }),
      logger,
      {
        heartbeatIntervalMs: 100,
        // The file is written right after the rotation; a slow machine may see a few 401s before it.
        maxUnauthorized: 1_000,
      },
    );
    await agent.start();
    const rotated = await admin.rotateExternalCredentials(ws.id);
    await new FileTokenStore({ workspaceId: ws.id, file }).save(rotated.token!);
    const beats = emu.heartbeats(ws.id).length;
    // Heartbeats arrive again (only the new token is live) and the agent still reads its inbox.
    await waitFor(() => emu.heartbeats(ws.id).length >= beats + 2, { timeoutMs: 15_000 });
    const peerClient = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: peer.id,
      token: peer.token!,
    });
    cleanups.push(() => peerClient.close());
    expect((await peerClient.callPeer(ws.id, "after the rotation")).status).toBe("queued");
    await waitFor(() => texts.includes("after the rotation"), { timeoutMs: 15_000 });
    expect(lines.some((l) => l.includes("token store holds a new one"))).toBe(true);
    const log = lines.join("\n");
    expect(log).not.toContain(ws.token);
    expect(log).not.toContain(rotated.token!);
    await agent.stop();
    expect((await agent.done).reason).toBe("stopped");
  });

  it("left with the revoked token: one line says its credentials were rotated and how to give the agent the new one, then it ends unauthorized", async () => {
    const { emu, admin, ws, file } = await setup();
    const { logger, lines } = recorder();
    const { agent } = agentOn(
      emu,
      ws.id,
      new FileTokenStore({ workspaceId: ws.id, file }),
      logger,
      {
        heartbeatIntervalMs: 50,
      },
    );
    await agent.start();
    await admin.rotateExternalCredentials(ws.id);
    const done = await agent.done;
    expect(done.reason).toBe("unauthorized");
    const first = lines.find((l) => l.startsWith("warn heartbeat rejected"))!;
    expect(first).toMatch(/an operator rotated its credentials/);
    expect(first).toMatch(/MOLECULE_WORKSPACE_TOKEN_FILE/);
    expect(first).toMatch(/restart it with MOLECULE_WORKSPACE_TOKEN/);
    expect(String((done.error as Error).message)).toMatch(
      /^Stopped after 3 consecutive heartbeats were rejected: .*an operator rotated its credentials/,
    );
    expect(lines.join("\n")).not.toContain(ws.token);
  });

  it("given the token inline, the agent reads no store on a 401 (nothing to pick a new token up from)", async () => {
    const { emu, admin, ws } = await setup();
    const { logger, lines } = recorder();
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
      logger,
    });
    cleanups.push(() => client.close());
    await admin.rotateExternalCredentials(ws.id);
    const err = await client.heartbeat().catch((e: unknown) => e);
    expect(isMoleculeError(err, "unauthorized")).toBe(true);
    expect(lines.some((l) => l.includes("token store"))).toBe(false);
  });
});

describe("the token file (MOLECULE_WORKSPACE_TOKEN_FILE)", () => {
  it.each([
    ["missing", undefined, /does not exist|cannot be read \(ENOENT\)/],
    ["blank", "  \n", /is empty/],
    ["of two lines", "one\ntwo\n", /holds more than one line/],
  ])(
    "a %s file fails start with token_file_unreadable, naming the file; no other token is tried",
    async (_, content, why) => {
      const { emu, ws, file } = await setup();
      const path = `${file}.other`;
      if (content !== undefined) await writeFile(path, content);
      const { logger } = recorder();
      const { agent } = agentOn(
        emu,
        ws.id,
        new FileTokenStore({ workspaceId: ws.id, file: path }),
        logger,
      );
      const err = await agent.start().catch((e: unknown) => e);
      expect(isMoleculeError(err, "token_file_unreadable")).toBe(true);
      expect((err as Error).message).toMatch(why);
      expect(describeStartError(err)).toContain(path);
      expect(describeStartError(err)).toMatch(/MOLECULE_WORKSPACE_TOKEN_FILE/);
    },
  );

  it("save replaces the file atomically and leaves its directory's mode alone", async () => {
    const { ws, file } = await setup();
    const dir = join(file, "..");
    await chmod(dir, 0o755);
    const store = new FileTokenStore({ workspaceId: ws.id, file });
    expect(store.path).toBe(file);
    await store.save("new-token-value");
    expect(await store.load()).toBe("new-token-value");
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["token"]);
  });
});
