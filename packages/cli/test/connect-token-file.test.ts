// `molecule-agent connect` with its token in a file (`MOLECULE_WORKSPACE_TOKEN_FILE`, the platform's
// newer clients' name, #2934/#2935), spawned as the built bin against the emulator: an operator
// rotates the workspace's credentials (#2852), writes the new token into the file, and the running
// agent goes on answering without a restart. A token file that holds no token stops the start
// with one line naming it.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("connect-token-file-");

describe("molecule-agent connect with MOLECULE_WORKSPACE_TOKEN_FILE", () => {
  it("reads the token from the file, and after a rotation uses the new token written there, without a restart", async () => {
    const admin = new AdminClient({ platformUrl: h.emu.url, adminToken: h.emu.adminToken });
    const a = await admin.createExternalWorkspace({ name: "filed" });
    // the asker runs no agent: created for poll, so the answer is queued for it
    const p = await h.emu.admin.createWorkspace({ name: "asker", deliveryMode: "poll" });
    const file = join(h.home, "agent.token");
    await writeFile(file, a.token!, { mode: 0o600 });
    const r = h.run(["--handler", HANDLER, "--heartbeat-interval", "1"], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN_FILE: file,
      MOLECULE_POLL_INTERVAL: "0.05",
    });
    try {
      await waitFor(() => r.out().includes("connected as"));
      const rotated = await admin.rotateExternalCredentials(a.id);
      await writeFile(file, `${rotated.token!}\n`);
      const peer = new PlatformClient({
        platformUrl: h.emu.url,
        workspaceId: p.id,
        token: p.token!,
      });
      await peer.callPeer(a.id, "after rotation", { messageId: randomUUID() });
      await peer.close();
      await waitFor(() =>
        h.emu
          .activity(p.id)
          .some((row) =>
            JSON.stringify(row["request_body"] ?? "").includes("cli-echo:after rotation"),
          ),
      );
      expect(r.child.exitCode).toBeNull(); // still the same process
      expect(r.out() + r.err()).not.toContain(a.token!);
      expect(r.out() + r.err()).not.toContain(rotated.token!);
    } finally {
      r.child.kill("SIGTERM");
      await r.exit;
      await admin.close();
    }
  });

  it("a missing token file stops the start with one line naming it (no other token is tried)", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "unfiled" });
    const file = join(h.home, "nowhere.token");
    const r = h.run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN_FILE: file,
    });
    expect(await r.exit).toBe(2);
    const lines = r.err().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/MOLECULE_WORKSPACE_TOKEN_FILE/);
  });
});
