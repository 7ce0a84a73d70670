// @molecule-ai/agent-core/testing loads without the optional emulator (so a user of the adapters'
// /testing models needs nothing more) and startTestPlatform then names the package to install.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(join(pkgDir, "package.json"));
const tmp = mkdtempSync(join(tmpdir(), "molecule-core-testing-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("@molecule-ai/agent-core/testing without @molecule-ai/platform-emulator", () => {
  it("imports, and startTestPlatform fails with a typed error naming the package", async () => {
    const core = join(tmp, "node_modules", "@molecule-ai", "agent-core");
    mkdirSync(core, { recursive: true });
    cpSync(join(pkgDir, "dist"), join(core, "dist"), { recursive: true });
    cpSync(join(pkgDir, "package.json"), join(core, "package.json"));
    for (const dep of Object.keys(require("./package.json").dependencies as object)) {
      const dest = join(tmp, "node_modules", dep);
      mkdirSync(dirname(dest), { recursive: true });
      symlinkSync(realpathSync(dirname(require.resolve(`${dep}/package.json`))), dest, "dir");
    }
    const script = `
      import { startTestPlatform } from "@molecule-ai/agent-core/testing";
      try { await startTestPlatform(); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      { cwd: tmp },
    );
    expect(JSON.parse(stdout)).toEqual({
      code: "missing_dependency",
      message: expect.stringContaining("npm install -D @molecule-ai/platform-emulator"),
    });
  });
});
