// What a push agent learned about its platform's bearer (issue #78: the platform's bearer from the
// first request, across restarts) kept in PostgreSQL with `workspaceId`: one row per workspace,
// read by every replica of it, so a replica that starts (or restarts) takes the platform's push
// and refuses a stranger's before register answers, as an agent on a file store does. The row
// holds the SHA-256 of the bearer header and whether the platform signs, never the secret.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent, type InboundMessage } from "@molecule-ai/agent-core";
import type { CursorState } from "@molecule-ai/agent-core/store";
import { cardServed, freePort, postAs, STRANGERS, waitFor } from "@internal/test-utils";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: { compat: "2026-08" }, pool: true });

const DIGEST_A = "a".repeat(64);
const DIGEST_B = "b".repeat(64);

describe("platformPush in the PostgreSQL store", () => {
  it("is one row per workspace, read by every replica of it, not by another workspace's or a store without workspaceId", async () => {
    const stores: PostgresStore[] = [];
    const storeOf = (workspaceId?: string): PostgresStore => {
      const s = createPostgresStore({
        connectionString: pg.dbUrl,
        tablePrefix: "pp_",
        ...(workspaceId !== undefined ? { workspaceId } : {}),
      });
      stores.push(s);
      return s;
    };
    try {
      const one = storeOf("ws-1");
      expect(await one.state.load()).toBeUndefined();
      await one.state.save({ platformPush: { bearer: DIGEST_A, signs: true } });
      // Another replica of the workspace (its own replicaId) reads it; another workspace does not.
      const two = storeOf("ws-1");
      expect((await two.state.load())?.platformPush).toEqual({ bearer: DIGEST_A, signs: true });
      expect((await storeOf("ws-2").state.load())?.platformPush).toBeUndefined();
      const none = storeOf();
      expect((await none.state.load())?.platformPush).toBeUndefined();
      await none.state.save({ platformPush: { bearer: DIGEST_B, signs: true } }); // not kept
      // Replica two learns a new secret; replica one's outbox saves carry the copy it loaded
      // before and never write it back over the newer one.
      await two.state.save({ platformPush: { bearer: DIGEST_B, signs: true } });
      const outbox: CursorState["outbox"] = [
        {
          id: "answer-1",
          text: "kept",
          to: { source: "peer_agent", sourceId: "ws-x" },
          queuedAt: new Date().toISOString(),
        },
      ];
      await one.state.save({ outbox, platformPush: { bearer: DIGEST_A, signs: true } });
      const { rows } = await pg.db.query(
        "SELECT workspace_id, bearer, signs FROM pp_platform_push ORDER BY 1",
      );
      expect(rows).toEqual([{ workspace_id: "ws-1", bearer: DIGEST_B, signs: true }]);
      expect((await storeOf("ws-1").state.load())?.platformPush).toEqual({
        bearer: DIGEST_B,
        signs: true,
      });
      // A malformed row (edited by hand) keeps no bearer.
      await pg.db.query("UPDATE pp_platform_push SET bearer = 'not-a-digest'");
      expect((await storeOf("ws-1").state.load())?.platformPush).toEqual({ signs: true });
      expect(() => createPostgresStore({ connectionString: pg.dbUrl, workspaceId: "" })).toThrow(
        expect.objectContaining({ code: "invalid_option", option: "workspaceId" }),
      );
    } finally {
      await Promise.all(stores.map(async (s) => await s.close()));
    }
  });

  it("a replica that restarts on it takes the platform's push before register answers, and refuses strangers (the row holds a digest, never the secret)", async () => {
    const { emu } = pg;
    const ws = await emu.admin.createWorkspace({ name: `pushed-${randomUUID()}` });
    const port = await freePort();
    const handled: string[] = [];
    const cleanups: Array<() => Promise<unknown>> = [];
    /** A replica: its own client (a fresh process knows no secret), store and agent. */
    const replica = (): { client: PlatformClient; agent: RemoteAgent<PlatformClient> } => {
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      const store = createPostgresStore({ connectionString: pg.dbUrl, workspaceId: ws.id });
      const agent = new RemoteAgent({
        client,
        store,
        delivery: { mode: "push", port },
        handler: (m: InboundMessage) => {
          handled.push(m.text);
          return `ran: ${m.text}`;
        },
        logger: {},
      });
      cleanups.push(
        async () => await agent.stop(),
        async () => await store.close(),
        async () => await client.close(),
      );
      return { client, agent };
    };
    try {
      const first = replica();
      const url = `http://localhost:${port}/${await first.client.pushPathSecret()}`;
      await first.agent.start();
      await waitFor(() => first.client.files.signsPushes);
      const secret = first.client.files.inboundSecret!;
      await first.agent.stop();
      // What the table keeps: a digest and that the platform signs, never the secret.
      const { rows } = await pg.db.query(
        "SELECT bearer, signs FROM molecule_platform_push WHERE workspace_id = $1",
        [ws.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        bearer: expect.stringMatching(/^[0-9a-f]{64}$/),
        signs: true,
      });
      expect(JSON.stringify(rows)).not.toContain(secret);

      // The restart: register answers 2 s late.
      const second = replica();
      emu.injectFault({ path: "/registry/register", delayMs: 2_000 });
      const started = second.agent.start();
      await cardServed(url);
      const strangers = Array.from({ length: 12 }, (_, i) =>
        postAs(url, `stranger ${i}`, STRANGERS[i % STRANGERS.length]),
      );
      const platform = await postAs(url, "the platform, early", `Bearer ${secret}`);
      expect(platform.status).toBe(200);
      expect(second.client.files.inboundSecret).toBeUndefined(); // register had not answered
      const statuses = await Promise.all(strangers.map(async (r) => (await r).status));
      await started;
      for (const s of statuses) expect([401, 503]).toContain(s);
      for (const a of STRANGERS) expect((await postAs(url, "after", a)).status).toBe(401);
      expect(handled).toEqual(["the platform, early"]);
    } finally {
      for (const c of cleanups.toReversed()) await c();
    }
  });
});
