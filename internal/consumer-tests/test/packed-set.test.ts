// `./dev pack` (scripts/pack.mjs): every publishable package packed into one folder, `workspace:`
// ranges rewritten to the packed versions, and the `npm install` line it prints. The CLI's set
// (CLI, MCP, core tarballs) installs into a fresh folder as is, with npm as a user runs it, and
// `molecule-agent --help` runs. npm fetches the third-party dependencies from its cache or the
// registry.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "molecule-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("packs every publishable package; the CLI's tarballs install as is and molecule-agent --help runs", () => {
  const out = join(work, "packed");
  const line = execFileSync("node", [join(root, "scripts/pack.mjs"), "--out", out], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
  const tarballs = readdirSync(out).filter((f) => f.endsWith(".tgz"));
  for (const name of ["agent-core", "cli", "mcp", "platform-emulator", "nestjs", "langchain"])
    expect(tarballs).toContain(`molecule-ai-${name}-0.1.0.tgz`);
  expect(line).toBe(`npm install ${tarballs.map((f) => join(out, f)).join(" ")}`);

  const app = join(work, "app");
  execFileSync("mkdir", [app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  const set = ["agent-core", "mcp", "cli"].map((n) => join(out, `molecule-ai-${n}-0.1.0.tgz`));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...set], {
    cwd: app,
    stdio: "pipe",
  });
  const help = execFileSync(join(app, "node_modules/.bin/molecule-agent"), ["--help"], {
    cwd: app,
    encoding: "utf8",
  });
  expect(help).toMatch(/^Usage: molecule-agent/);
  expect(help).toContain("Run and manage a Molecule AI remote agent.");
});
