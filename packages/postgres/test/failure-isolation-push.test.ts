// #29 item 5 on push, PostgreSQL store: the same kill -9 test as core's
// store-failure-isolation.test.ts (its child process, with this package's store through
// STORE_MODULE): four messages pushed at once, "poison" kills the process every time; only it
// accrues deliveries, so it alone is dead-lettered and its 3 neighbours are answered.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { pushKillRounds } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { platformBearer } from "./tasks-replicas.js";

const CHILD = fileURLToPath(
  new URL("../../core/test/fixtures/push-isolation-child.mjs", import.meta.url),
);
const STORE = fileURLToPath(new URL("./fixtures/pg-store.mjs", import.meta.url));
const MAX = 3;

const pg = usePostgres({ emulator: true });
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const c of children) {
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
});

describe("failure isolation after a crash, push, PostgreSQL store", () => {
  it("kill -9: the poison message is dead-lettered alone; its 3 neighbours are handled", async () => {
    const ws = await pg.emu.admin.createWorkspace({
      name: "isolation-push-pg",
      deliveryMode: "poll",
    });
    const { kills, answers } = await pushKillRounds({
      file: CHILD,
      env: {
        PLATFORM_URL: pg.emu.url,
        WS_ID: ws.id,
        WS_TOKEN: ws.token!,
        STORE_MODULE: STORE,
        DB_URL: pg.dbUrl,
        VISIBILITY_MS: "600",
        MAX: String(MAX),
      },
      texts: ["poison", "b1", "b2", "b3"],
      maxRuns: 2 * MAX + 4,
      children,
      // what the platform's pushes carry (the workspace's secret outlives each child's register)
      bearer: await platformBearer(pg.emu.url, ws),
    });
    expect(Object.fromEntries(answers)).toEqual({
      poison: "delivery_limit",
      b1: "ok b1",
      b2: "ok b2",
      b3: "ok b3",
    });
    expect(kills).toBe(MAX); // the poison message's deliveries, and no more
    const store = createPostgresStore({ connectionString: pg.dbUrl });
    try {
      expect((await store.deadLetters(ws.id)).map((d) => d.delivery)).toEqual(["push"]);
    } finally {
      await store.close();
    }
  }, 90_000);
});
