import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { computePluginHash } from "@molecule-ai/agent-core/plugins";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  runPluginHash,
  runPluginInstall,
  runPluginVerify,
  type PluginCommandIO,
} from "../src/commands/plugin.js";
import { createProgram } from "../src/program.js";

function captureIO(): PluginCommandIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}

let root: string;
let served: string;
let demoSha: string;
let emu: Awaited<ReturnType<typeof startEmulator>>;
let ws: { id: string; token: string | undefined };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "cli-plugin-"));
  served = path.join(root, "served");
  const demo = path.join(served, "demo");
  await mkdir(path.join(demo, "rules"), { recursive: true });
  await writeFile(path.join(demo, "rules", "a.md"), "# Rules\n");
  await writeFile(path.join(demo, "setup.sh"), 'echo "set up $MOLECULE_PLUGIN_NAME"\n');
  demoSha = await computePluginHash(demo);
  await writeFile(path.join(demo, "plugin.yaml"), `name: demo\nsha256: "${demoSha}"\n`);
  emu = await startEmulator({ pluginsDir: served });
  ws = await emu.admin.createWorkspace({ name: "cli-plugins" });
});

afterAll(async () => {
  await emu?.close();
  await rm(root, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

describe("plugin hash", () => {
  it("prints the manifest hash", async () => {
    const io = captureIO();
    expect(await runPluginHash(path.join(served, "demo"), io)).toBe(0);
    expect(io.stdout).toBe(`${demoSha}\n`);
  });

  it("exits 2 with a message for a missing folder", async () => {
    const io = captureIO();
    expect(await runPluginHash(path.join(root, "nope"), io)).toBe(2);
    expect(io.stderr).toMatch(/cannot hash .*nope/);
  });
});

describe("plugin verify", () => {
  it("exits 0 for a matching hash given as argument or declared in plugin.yaml", async () => {
    const io = captureIO();
    expect(await runPluginVerify(path.join(served, "demo"), demoSha, io)).toBe(0);
    expect(await runPluginVerify(path.join(served, "demo"), undefined, io)).toBe(0);
    expect(io.stdout).toBe(`OK ${demoSha}\nOK ${demoSha}\n`);
  });

  it("exits 1 on a mismatch, naming both hashes", async () => {
    const io = captureIO();
    expect(await runPluginVerify(path.join(served, "demo"), "0".repeat(64), io)).toBe(1);
    expect(io.stderr).toContain(`expected ${"0".repeat(64)} (argument), got ${demoSha}`);
  });

  it("exits 2 for a malformed hash or when none is given or declared", async () => {
    const io = captureIO();
    expect(await runPluginVerify(path.join(served, "demo"), "ABC", io)).toBe(2);
    expect(io.stderr).toMatch(/64 lowercase hex/);
    const bare = path.join(root, "bare");
    await mkdir(bare, { recursive: true });
    expect(await runPluginVerify(bare, undefined, io)).toBe(2);
    expect(io.stderr).toMatch(/declares none/);
  });
});

describe("plugin install (against the emulator)", () => {
  it("installs through the program with env configuration, and verifies the declared hash", async () => {
    vi.stubEnv("MOLECULE_PLATFORM_URL", emu.url);
    vi.stubEnv("MOLECULE_WORKSPACE_ID", ws.id);
    vi.stubEnv("MOLECULE_WORKSPACE_TOKEN", ws.token as string);
    const dir = path.join(root, "via-program");
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    await createProgram().parseAsync(["plugin", "install", "demo", "--dir", dir], { from: "user" });
    const printed = out.mock.calls.map((c) => String(c[0])).join("");
    out.mockRestore();
    expect(process.exitCode).toBe(0);
    expect(printed).toContain(`installed demo -> ${path.join(dir, "demo")}`);
    expect(printed).toContain(`sha256 ${demoSha} (verified)`);
    expect(printed).not.toContain("setup.sh");
    expect(await readFile(path.join(dir, "demo", "rules", "a.md"), "utf8")).toBe("# Rules\n");
  });

  it("runs setup.sh only with --run-setup, and prints JSON with --json", async () => {
    const io = captureIO();
    const dir = path.join(root, "json");
    const code = await runPluginInstall(
      "demo",
      {
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token as string,
        dir,
        runSetup: true,
        json: true,
      },
      io,
    );
    expect(code).toBe(0);
    const result = JSON.parse(io.stdout) as {
      verified: boolean;
      setup: { ok: boolean; stdout: string };
      reported: boolean;
    };
    expect(result).toMatchObject({
      verified: true,
      reported: false,
      setup: { ok: true, stdout: "set up demo\n" },
    });
  });

  it("exits 1 with the typed code for an unknown plugin and leaves nothing behind", async () => {
    const io = captureIO();
    const dir = path.join(root, "missing");
    const code = await runPluginInstall(
      "missing",
      { platformUrl: emu.url, workspaceId: ws.id, token: ws.token as string, dir },
      io,
    );
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/install of missing failed \[download_failed\]: .*HTTP 404/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("exits 1 when --sha256 does not match, never printing the token", async () => {
    const io = captureIO();
    const code = await runPluginInstall(
      "demo",
      {
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token as string,
        dir: path.join(root, "pinned"),
        sha256: "f".repeat(64),
      },
      io,
    );
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/\[sha256_mismatch\]/);
    expect(io.stderr + io.stdout).not.toContain(ws.token as string);
  });

  it("exits 2 for missing configuration or a bad name", async () => {
    const io = captureIO();
    expect(await runPluginInstall("demo", {}, io)).toBe(2);
    expect(io.stderr).toMatch(
      /missing --platform-url \(or MOLECULE_PLATFORM_URL\) and --workspace-id \(or MOLECULE_WORKSPACE_ID\)/,
    );
    expect(
      await runPluginInstall(
        "../etc",
        { platformUrl: emu.url, workspaceId: ws.id, token: "t", dir: root },
        io,
      ),
    ).toBe(2);
    expect(io.stderr).toMatch(/\[invalid_name\]/);
    expect(
      await runPluginInstall(
        "demo",
        { platformUrl: emu.url, workspaceId: ws.id, setupTimeout: "soon" },
        io,
      ),
    ).toBe(2);
    expect(io.stderr).toMatch(/--setup-timeout must be a positive number/);
  });
});
