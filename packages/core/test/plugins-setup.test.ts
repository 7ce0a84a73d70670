import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { waitFor } from "@internal/test-utils";
import { installPlugin, runPluginSetup } from "../src/plugins/index.js";
import { fakeClient, tgz } from "./plugins-fixtures.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "plugins-setup-"));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

function pluginWithSetup(script: string): ReturnType<typeof fakeClient> {
  return fakeClient(() =>
    tgz([
      { path: "plugin.yaml", body: "name: demo\n" },
      { path: "setup.sh", body: script, mode: 0o755 },
    ]),
  );
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

describe("setup.sh", () => {
  it("is never run by default", async () => {
    const result = await installPlugin(
      pluginWithSetup('touch "$MOLECULE_PLUGIN_DIR/ran"\n'),
      "demo",
      { dir: root },
    );
    expect(result.setup).toBeUndefined();
    expect(await exists(path.join(result.path, "ran"))).toBe(false);
  });

  it("runs with runSetup: true in the plugin folder, output captured", async () => {
    const result = await installPlugin(
      pluginWithSetup(
        'echo "hello from $MOLECULE_PLUGIN_NAME in $(pwd)"\necho "to stderr" >&2\ntouch ran\n',
      ),
      "demo",
      { dir: root, runSetup: true },
    );
    expect(result.setup).toMatchObject({
      ok: true,
      exitCode: 0,
      timedOut: false,
      stderr: "to stderr\n",
    });
    expect(result.setup?.stdout).toBe(`hello from demo in ${result.path}\n`);
    expect(await exists(path.join(result.path, "ran"))).toBe(true);
  });

  it("reports a failing script without failing the install, with a warning", async () => {
    const warn = vi.fn<(message: string, meta?: object) => void>();
    const result = await installPlugin(pluginWithSetup("echo broken >&2\nexit 3\n"), "demo", {
      dir: root,
      runSetup: true,
      logger: { warn },
    });
    expect(result.setup).toMatchObject({ ok: false, exitCode: 3, stderr: "broken\n" });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/setup\.sh failed \(exit code 3\)/),
      expect.anything(),
    );
    expect(await readFile(path.join(result.path, "plugin.yaml"), "utf8")).toBe("name: demo\n");
  });

  it("kills a script (and what it started) at the time limit", async () => {
    const result = await installPlugin(pluginWithSetup("sleep 30 &\nsleep 30\n"), "demo", {
      dir: root,
      runSetup: true,
      setupTimeoutMs: 300,
    });
    expect(result.setup).toMatchObject({ ok: false, timedOut: true, exitCode: null });
    expect(result.setup?.error).toMatch(/did not finish within 300 ms/);
    expect(result.setup?.durationMs).toBeLessThan(10_000);
  });

  it("does not hand the agent's environment (secrets) to the script", async () => {
    vi.stubEnv("MOLECULE_WORKSPACE_TOKEN", "tok-secret-123");
    vi.stubEnv("OPENAI_API_KEY", "sk-secret-456");
    const result = await installPlugin(pluginWithSetup("env\n"), "demo", {
      dir: root,
      runSetup: true,
    });
    expect(result.setup?.ok).toBe(true);
    // The values, not the word: PATH may hold a checkout path containing "secret".
    expect(result.setup?.stdout).not.toMatch(
      /tok-secret-123|sk-secret-456|MOLECULE_WORKSPACE_TOKEN|OPENAI_API_KEY/,
    );
    expect(result.setup?.stdout).toMatch(/^PATH=/m);
    expect(result.setup?.stdout).toMatch(/^MOLECULE_PLUGIN_NAME=demo$/m);
  });

  it("uses an explicit environment when given", async () => {
    const result = await installPlugin(pluginWithSetup('echo "$GREETING"\n'), "demo", {
      dir: root,
      runSetup: true,
      setupEnv: { GREETING: "hi", PATH: process.env["PATH"] },
    });
    expect(result.setup?.stdout).toBe("hi\n");
  });

  it("stops the script when the signal aborts", async () => {
    const dir = path.join(root, "manual");
    await installPlugin(
      pluginWithSetup('touch "$MOLECULE_PLUGIN_DIR/started"\nsleep 30\n'),
      "demo",
      {
        dir,
      },
    );
    const controller = new AbortController();
    const running = runPluginSetup(path.join(dir, "demo"), { signal: controller.signal });
    await waitFor(() => exists(path.join(dir, "demo", "started"))); // the script is running
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, timedOut: false });
    expect(result.error).toMatch(/aborted/);
  });

  it("notes a missing setup.sh instead of failing", async () => {
    const info = vi.fn<(message: string, meta?: object) => void>();
    const result = await installPlugin(
      fakeClient(() => tgz([{ path: "a.md", body: "a" }])),
      "demo",
      {
        dir: root,
        runSetup: true,
        logger: { info },
      },
    );
    expect(result.setup).toBeUndefined();
    expect(info).toHaveBeenCalledWith(expect.stringMatching(/no setup\.sh/));
  });
});
