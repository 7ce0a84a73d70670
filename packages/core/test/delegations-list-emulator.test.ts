// #47, over real HTTP through the emulator: `PlatformClient.listDelegations` reads
// `GET /workspaces/:id/delegations` (delegations made with `delegate` and recorded ones, with their
// results), and a refused read of another workspace's transcript says the token is not allowed
// there, not that it is missing, wrong or revoked.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { MoleculeAuthError, PlatformClient } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function org(compat: "latest" | "2026-04") {
  const emu = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  const client = async (name: string) => {
    const w = await emu.admin.createWorkspace({ name });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
    cleanups.push(() => c.close());
    return c;
  };
  return { emu, a: await client("a"), b: await client("b") };
}

/** The raw `GET /workspaces/:id/delegations` answer, for comparison. */
async function rawDelegations(emu: Emulator, c: PlatformClient, token: string) {
  const res = await fetch(`${emu.url}/workspaces/${c.workspaceId}/delegations`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as Array<Record<string, unknown>>;
}

describe("listDelegations", () => {
  for (const compat of ["latest", "2026-04"] as const) {
    it(`lists recorded delegations and their results, newest first, as the platform does (${compat})`, async () => {
      const { emu, a, b } = await org(compat);
      expect(await a.listDelegations()).toEqual([]);
      const first = await a.recordDelegation({ targetId: b.workspaceId, task: "summarise" });
      await a.updateDelegation(first.delegationId, {
        status: "completed",
        responsePreview: "the summary",
      });
      const second = await a.recordDelegation({ targetId: b.workspaceId, task: "translate" });
      await a.updateDelegation(second.delegationId, { status: "failed", error: "peer refused" });

      const list = await a.listDelegations();
      const token = (await a.createToken()).token;
      const raw = await rawDelegations(emu, a, token);
      expect(list.map((d) => d.id)).toEqual(raw.map((r) => r["id"]));
      expect(list.map((d) => [d.delegationId, d.status])).toEqual(
        raw.map((r) => [r["delegation_id"] ?? null, r["status"]]),
      );
      // Newest first: the second delegation (failed) before the first one's result and record.
      const mine = list.filter((d) => d.targetId === b.workspaceId);
      expect(mine.map((d) => [d.delegationId, d.status, d.error])).toEqual([
        [second.delegationId, "failed", "peer refused"],
        [first.delegationId, "completed", null],
      ]);
      const result = list.find(
        (d) => d.delegationId === first.delegationId && d.responsePreview !== null,
      );
      expect(result?.responsePreview).toBe("the summary");
      for (const d of list) expect(typeof d.createdAt).toBe("string");
      // Another workspace sees none of them.
      expect(await b.listDelegations()).toEqual([]);
    });
  }

  it("lists a delegation made with delegate() once the platform ran it", async () => {
    const { a, b } = await org("latest");
    const { delegationId } = await a.delegate(b.workspaceId, "look this up");
    await waitFor(async () =>
      (await a.listDelegations()).some((d) => d.delegationId === delegationId),
    );
    const rows = (await a.listDelegations()).filter((d) => d.delegationId === delegationId);
    expect(rows.at(-1)).toMatchObject({ targetId: b.workspaceId, delegationId });
  });
});

describe("another workspace's transcript: not allowed, not 'wrong token'", () => {
  for (const compat of ["latest", "2026-04"] as const) {
    it(`a valid token of another workspace is refused with an honest message (${compat})`, async () => {
      const { a, b } = await org(compat);
      const err = await a.fetchTranscript(b.workspaceId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MoleculeAuthError);
      expect(err).toMatchObject({ status: 401, code: "forbidden", retryable: false });
      const message = (err as Error).message;
      expect(message).toContain(`fetchTranscript(${b.workspaceId}) was refused (401`);
      expect(message).toContain("for its own workspace only, not for another's transcript");
      expect(message).not.toContain("missing, wrong or revoked");

      // The own workspace with a wrong token keeps saying the token is wrong.
      const wrong = new PlatformClient({
        platformUrl: a.platformUrl,
        workspaceId: a.workspaceId,
        token: "not-a-token",
      });
      cleanups.push(() => wrong.close());
      const own = await wrong.fetchTranscript().catch((e: unknown) => e);
      expect(own).toMatchObject({ status: 401, code: "unauthorized" });
      expect((own as Error).message).toContain("missing, wrong or revoked");
    });
  }
});
