// Issue 88: the kill-safe approvals hold the AI SDK 7 way. An AI SDK app (a child process: a
// ToolLoopAgent whose `toolApproval` sends every `refund` to a person, `canvasApprovals` with a
// RemoteAgent on a file store, its messages saved as an app saves them) is killed (SIGKILL) while
// the request is pending; restarted, it waits on the same request, and the person's decision, made
// after the restart, runs the tool. Killed again right after the tool ran (before the answer), the
// third process finds the call taken and does not run it again: the tool ran exactly once.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { approvalAcrossKills, childRig, type ChildRig } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";

const CHILD = fileURLToPath(new URL("./fixtures/approval-kill-child.mjs", import.meta.url));

let platform: TestPlatform;
let admin: AdminClient;
let rig: ChildRig;

beforeAll(async () => {
  platform = await startTestPlatform({ name: "refunds" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
  rig = await childRig("ai-approval-kill-");
});

afterAll(async () => {
  await rig?.close();
  await admin?.close();
  await platform?.close();
});

describe("kill -9 while a toolApproval call waits for a person", () => {
  it("resumes the same request after the restart, and the approved call runs exactly once", async () => {
    const ws = platform.workspace;
    const { dir } = rig;
    const { asked, answer, ran } = await approvalAcrossKills({
      rig,
      file: CHILD,
      env: {
        PLATFORM_URL: platform.url,
        WS_ID: ws.id,
        WS_TOKEN: ws.token,
        STORE: join(dir, "store"),
        RAN_FILE: join(dir, "ran.log"),
        // The third run replays the messages the first saved, as an app does.
        SAVED: join(dir, "messages.json"),
        MOLECULE_STATE_DIR: join(dir, "state"),
      },
      waiting: "asking",
      pending: async () =>
        (await admin.listPendingApprovals()).find((a) => a.workspaceId === ws.id),
      approve: (id) => admin.decideApproval(ws.id, id, "approved", { decidedBy: "dana" }),
    });
    expect(asked.action).toBe('run tool refund with input {"order":"R-1"}');
    expect(answer).toBe("tool said: it is not run again");
    expect(ran).toEqual(["R-1"]); // exactly once
    const rows = await ws.client().listApprovals(); // one request in all
    expect(rows.map((r) => [r.id, r.status])).toEqual([[asked.id, "approved"]]);
  }, 90_000);
});
