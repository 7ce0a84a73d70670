// `./dev pack` (scripts/pack.mjs): every publishable package packed into one folder, `workspace:`
// ranges rewritten to the packed versions, and the `npm install` line it prints. The CLI's set
// (CLI, MCP, core tarballs) installs into a fresh folder as is, with npm as a user runs it, and
// `molecule-agent --help` runs. npm fetches the third-party dependencies from its cache or the
// registry.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);

const root = fileURLToPath(new URL("../../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "molecule-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Packing nine packages and an npm install: a few minutes beside another test run. Run without
// blocking the worker, so the bound is a real one.
it("packs every publishable package; the CLI's tarballs install as is and molecule-agent --help runs", async () => {
  const out = join(work, "packed");
  const line = (
    await run("node", [join(root, "scripts/pack.mjs"), "--out", out], { cwd: root })
  ).stdout.trim();
  const tarballs = readdirSync(out).filter((f) => f.endsWith(".tgz"));
  for (const name of ["agent-core", "cli", "mcp", "platform-emulator", "nestjs", "langchain"])
    expect(tarballs).toContain(`molecule-ai-${name}-0.1.0.tgz`);
  expect(line).toBe(`npm install ${tarballs.map((f) => join(out, f)).join(" ")}`);

  const app = join(work, "app");
  await run("mkdir", [app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  const set = ["agent-core", "mcp", "cli"].map((n) => join(out, `molecule-ai-${n}-0.1.0.tgz`));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...set], {
    cwd: app,
  });
  const { stdout: help } = await run(join(app, "node_modules/.bin/molecule-agent"), ["--help"], {
    cwd: app,
  });
  expect(help).toMatch(/^Usage: molecule-agent/);
  expect(help).toContain("Run and manage a Molecule AI remote agent.");
}, 300_000);
