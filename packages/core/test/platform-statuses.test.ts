// The platform's status values arrive typed (`WorkspaceStatus`, `DelegationStatus`) and unknown ones
// pass through as sent: a newer platform's new value (as `awaiting_agent` and `hibernating` were,
// #2388, and `stuck`, #2836) is never turned into something else. Against a plain HTTP server
// answering the platform's shapes, and the emulator for `awaiting_agent`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient } from "../src/index.js";
import type { DelegationResult, Peer, WorkspaceState } from "../src/index.js";
import type { DelegationRecord } from "../src/platform/index.js";
import type { QueuedCall, QueuedCallStatus } from "../src/public/admin.js";
import type { DelegationStatus, WorkspaceStatus } from "../src/public/wire.js";

const SELF = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
const PEER = "11111111-1111-4111-8111-111111111111";
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** A platform answering `answers[path]` with 200 and JSON. */
async function platform(answers: Record<string, unknown>): Promise<PlatformClient> {
  const server = createServer((req, res) => {
    const body = answers[(req.url ?? "").split("?")[0]!];
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { error: "not found" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new PlatformClient({ platformUrl: url, workspaceId: SELF, token: "t0ken-t0ken" });
  cleanups.push(
    () => new Promise((r) => server.close(r)),
    () => client.close(),
  );
  return client;
}

describe("status values", () => {
  it("are typed with the platform's values (checked by tsc over the tests)", () => {
    expectTypeOf<WorkspaceState["status"]>().toEqualTypeOf<WorkspaceStatus>();
    expectTypeOf<Peer["status"]>().toEqualTypeOf<WorkspaceStatus>();
    expectTypeOf<DelegationResult["status"]>().toEqualTypeOf<DelegationStatus>();
    expectTypeOf<DelegationRecord["status"]>().toEqualTypeOf<DelegationStatus | null>();
    expectTypeOf<QueuedCall["status"]>().toEqualTypeOf<QueuedCallStatus>();
    expectTypeOf<"hibernating" | "awaiting_agent">().toMatchTypeOf<WorkspaceStatus>();
    expectTypeOf<"stuck">().toMatchTypeOf<DelegationStatus>();
    expectTypeOf<"dropped">().toMatchTypeOf<QueuedCallStatus>();
  });

  it.each(["hibernating", "awaiting_agent", "a_status_from_2027"])(
    "workspace status %s passes through getState and listPeers as sent",
    async (status) => {
      const client = await platform({
        [`/workspaces/${SELF}/state`]: {
          workspace_id: SELF,
          status,
          paused: false,
          deleted: false,
        },
        [`/registry/${SELF}/peers`]: [{ id: PEER, name: "p", status }],
      });
      const state: WorkspaceState = await client.getState();
      const typed: WorkspaceStatus = state.status;
      expect(typed).toBe(status);
      expect(state).toMatchObject({ paused: false, removed: false });
      expect((await client.listPeers())[0]!.status).toBe(status);
    },
  );

  it("delegation status stuck (#2836) and an unknown one pass through listDelegations", async () => {
    const row = (id: string, status: string) => ({
      id,
      type: "delegation",
      source_id: SELF,
      target_id: PEER,
      summary: `Delegating to ${PEER}`,
      status,
      created_at: "2026-05-05T10:00:00Z",
      delegation_id: `d-${id}`,
    });
    const client = await platform({
      [`/workspaces/${SELF}/delegations`]: [row("1", "stuck"), row("2", "handed_to_a_human")],
    });
    const statuses: Array<DelegationStatus | null> = (await client.listDelegations()).map(
      (d) => d.status,
    );
    expect(statuses).toEqual(["stuck", "handed_to_a_human"]);
  });

  it("awaiting_agent from the emulator's latest contract: an external workspace no agent serves yet", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "w" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    cleanups.push(() => client.close());
    expect((await client.getState()).status).toBe("awaiting_agent");
  });
});
