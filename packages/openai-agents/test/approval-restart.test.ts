// Issue #81 item 3: an approval survives a restart. An OpenAI Agents SDK agent (poll delivery,
// file store) is asked to refund an order; its tool needs a person's approval. The process is
// killed (SIGKILL) while the request is pending; restarted, it resumes the same run and the same
// request (no second one is opened, though its model would now ask under another call id), and
// the person's decision, made after the restart, runs the tool. Killed again right after the tool
// ran (before the answer), the third process finds the call taken and does not run it again: the
// tool ran exactly once, on exactly the input the person was shown.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { approvalAcrossKills, childRig, type ChildRig } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/approval-restart-child.mjs", import.meta.url));

let emu: Emulator;
let admin: AdminClient;
let rig: ChildRig;

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  rig = await childRig("approval-restart-");
});

afterAll(async () => {
  await rig?.close();
  await admin?.close();
  await emu?.close();
});

describe("kill -9 while a tool call waits for a person", () => {
  it("resumes the same request after the restart, and the approved call runs exactly once", async () => {
    const writer = await emu.admin.createWorkspace({ name: "writer", deliveryMode: "poll" });
    const user = await emu.admin.createWorkspace({ name: "user", deliveryMode: "poll" });
    const sender = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: user.id,
      token: user.token!,
    });
    await sender.callPeer(writer.id, "please refund R-1", { messageId: randomUUID() });
    await sender.close();

    // The restarts resume the run (and the message, delivered again) and wait on the same
    // request, though the model would now ask under another call id.
    const { asked, answer, ran } = await approvalAcrossKills({
      rig,
      file: CHILD,
      env: {
        PLATFORM_URL: emu.url,
        WS_ID: writer.id,
        WS_TOKEN: writer.token!,
        STORE: join(rig.dir, "store"),
        RAN_FILE: join(rig.dir, "ran.log"),
        MOLECULE_STATE_DIR: join(rig.dir, "state"),
      },
      runs: [{ CALL_ID: "call-first" }, { CALL_ID: "call-second" }, { CALL_ID: "call-third" }],
      waiting: "ready",
      pending: async () =>
        (await admin.listPendingApprovals()).find((a) => a.workspaceId === writer.id),
      approve: (id) => admin.decideApproval(writer.id, id, "approved", { decidedBy: "dana" }),
      stopThird: true,
    });
    expect(asked.action).toBe('run tool refund with input {"order":"R-1"}');
    expect(answer).toBe("tool said: it is not run again");
    expect(ran).toEqual(["R-1"]); // exactly once
    // One request in all: neither restart opened another.
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: writer.id,
      token: writer.token!,
    });
    const rows = await client.listApprovals();
    await client.close();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[asked.id, "approved"]]);
  }, 90_000);
});
