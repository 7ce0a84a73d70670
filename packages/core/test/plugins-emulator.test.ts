// installPlugin through the real PlatformClient against the platform emulator's plugins folder.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/platform/index.js";
import { computePluginHash, installPlugin, isPluginInstallError } from "../src/plugins/index.js";
import { snapshot } from "./plugins-fixtures.js";

describe.each(["latest", "2026-04"] as const)(
  "installPlugin against the emulator (compat %s)",
  (compat) => {
    let root: string;
    let served: string;
    let emu: Awaited<ReturnType<typeof startEmulator>>;
    let client: PlatformClient;
    let demoSha: string;

    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), "plugins-emu-"));
      served = path.join(root, "served");
      // "demo": a plugin whose plugin.yaml declares the manifest hash of the rest of the tree.
      const demo = path.join(served, "demo");
      await mkdir(path.join(demo, "skills", "greet"), { recursive: true });
      await writeFile(
        path.join(demo, "skills", "greet", "SKILL.md"),
        "---\nname: greet\n---\nSay hi.\n",
      );
      await writeFile(path.join(demo, "rules.md"), "# Rules\n");
      await writeFile(path.join(demo, ".env.example"), "A=1\n");
      await writeFile(path.join(demo, "setup.sh"), 'echo "setup ran"\n');
      await chmod(path.join(demo, "setup.sh"), 0o755);
      demoSha = await computePluginHash(demo);
      await writeFile(
        path.join(demo, "plugin.yaml"),
        `name: demo\nversion: 1.0.0\nsha256: "${demoSha}"\n`,
      );
      await symlink("/etc/passwd", path.join(demo, "passwd-link")); // the platform skips symlinks
      // "tampered": declares a hash its files do not have.
      const tampered = path.join(served, "tampered");
      await mkdir(tampered, { recursive: true });
      await writeFile(path.join(tampered, "rules.md"), "# Changed after hashing\n");
      await writeFile(path.join(tampered, "plugin.yaml"), `name: tampered\nsha256: "${demoSha}"\n`);

      emu = await startEmulator({ compat, pluginsDir: served });
      const ws = await emu.admin.createWorkspace({ name: `plugins-${compat}` });
      client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token as string,
      });
    });

    afterAll(async () => {
      await client?.close();
      await emu?.close();
      await rm(root, { recursive: true, force: true });
    });

    it("downloads, verifies the declared sha256 and installs; the 503 report is not a failure", async () => {
      const dir = path.join(root, `installed-${compat}`);
      const result = await installPlugin(client, "demo", { dir });
      expect(result).toMatchObject({
        name: "demo",
        verified: true,
        sha256: demoSha,
        replaced: false,
        reported: false,
      });
      expect(result.setup).toBeUndefined();
      expect(
        await readFile(path.join(dir, "demo", "skills", "greet", "SKILL.md"), "utf8"),
      ).toContain("Say hi.");
      expect((await readdir(path.join(dir, "demo"))).sort()).toEqual([
        ".env.example",
        "plugin.yaml",
        "rules.md",
        "setup.sh",
        "skills",
      ]);
      expect(await computePluginHash(path.join(dir, "demo"))).toBe(demoSha);
      // Reinstall with setup: replaces atomically and runs setup.sh only because it was asked.
      const again = await installPlugin(client, "demo", {
        dir,
        runSetup: true,
        source: "local://demo",
      });
      expect(again).toMatchObject({
        replaced: true,
        verified: true,
        setup: { ok: true, stdout: "setup ran\n" },
      });
      expect(await readdir(dir)).toEqual(["demo"]);
    });

    it("refuses a tampered plugin and keeps the previous install", async () => {
      const dir = path.join(root, `tamper-${compat}`);
      await installPlugin(client, "demo", { dir });
      const before = await snapshot(dir);
      const err = await installPlugin(client, "tampered", { dir }).catch((e: unknown) => e);
      expect(isPluginInstallError(err, "sha256_mismatch")).toBe(true);
      expect(await snapshot(dir)).toEqual(before);
    });

    it.each([
      { name: "missing", source: undefined, status: 404, hint: /check the plugin name/ },
      { name: "demo", source: "local://other", status: 400, hint: /retry later|HTTP 400/ },
      { name: "demo", source: "github://acme/plugin", status: 422, hint: /pin the github source/ },
    ])(
      "maps the platform's $status for $name/$source to download_failed",
      async ({ name, source, status, hint }) => {
        const dir = path.join(root, `errors-${compat}`);
        const err = await installPlugin(client, name, { dir, ...(source ? { source } : {}) }).catch(
          (e: unknown) => e,
        );
        expect(isPluginInstallError(err, "download_failed")).toBe(true);
        expect(err).toMatchObject({ status });
        expect((err as Error).message).toMatch(hint);
        expect(await readdir(dir)).toEqual([]);
      },
    );

    it("maps a rejected token to download_failed 401 without leaking the token", async () => {
      const bad = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: client.workspaceId,
        token: "not-the-token-xyz",
      });
      try {
        const err = await installPlugin(bad, "demo", {
          dir: path.join(root, `auth-${compat}`),
        }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: "download_failed", status: 401 });
        expect(String((err as Error).message)).not.toContain("not-the-token-xyz");
      } finally {
        await bad.close();
      }
    });
  },
);
