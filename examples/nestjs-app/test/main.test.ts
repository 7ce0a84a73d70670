// The built entry point, as a user runs it: offline, and against a "real" platform (an emulator
// started here, reached only through MOLECULE_PLATFORM_URL and credentials).
import { runExample } from "@example/shared/testing";
import type { ExampleRun, RunExampleOptions } from "@example/shared/testing";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { describe, expect, it } from "vitest";

const main = new URL("../dist/main.js", import.meta.url);

function run(
  args: string[],
  env: Record<string, string> = {},
  onLine?: RunExampleOptions["onLine"],
): Promise<ExampleRun> {
  return runExample(main, { args, env, ...(onLine ? { onLine } : {}) });
}

describe("dist/main.js", () => {
  it("offline: prints the review and exits 0", async () => {
    const r = await run([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reviewer {3}workspace [0-9a-f-]{36} is online/);
    expect(r.stdout).toContain("Verdict: changes requested (3 findings)");
  });

  it("with MOLECULE_PLATFORM_URL: joins that platform, answers, and stops on SIGINT with exit 0", async () => {
    const emu = await startEmulator({ sseKeepAliveMs: 200 });
    try {
      const ws = await emu.admin.createWorkspace({ name: "reviewer" });
      let online = false;
      let statusWhileRunning: unknown;
      const r = await run(
        [],
        {
          MOLECULE_PLATFORM_URL: emu.url,
          MOLECULE_WORKSPACE_ID: ws.id,
          MOLECULE_WORKSPACE_TOKEN: ws.token!,
        },
        (line, kill) => {
          if (!online && line.startsWith("reviewer online as workspace")) {
            online = true;
            void emu.admin.getWorkspace(ws.id).then((info) => {
              statusWhileRunning = info["status"];
              kill("SIGINT");
            });
          }
        },
      );
      expect(online).toBe(true);
      expect(statusWhileRunning).toBe("online");
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(ws.token!);
    } finally {
      await emu.close();
    }
  });

  it("rejects a bad flag with exit 2 and the usage", async () => {
    const r = await run(["--delivery", "carrier-pigeon"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--delivery must be poll or push");
    expect(r.stderr).toContain("usage:");
  });
});
