// Without a delivery option the example pushes on the April 2026 platform, which has no poll
// delivery (as the root README says every example does), instead of failing its start.
import { useEmulator } from "@example/shared/testing";
import { describe, expect, it } from "vitest";
import { startMastraAgent } from "../src/agent.js";

const platform = useEmulator({ compat: "2026-04" });

describe("the example's default delivery", () => {
  it("is push on the April 2026 platform (no poll delivery there)", async () => {
    const ws = await platform.emu.admin.createWorkspace({ name: "April default" });
    const started = await startMastraAgent({
      platformUrl: platform.emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    platform.defer(started.stop);
    expect(started.remote.delivery).toBe("push");
  });
});
