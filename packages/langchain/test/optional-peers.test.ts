// Proves the main entry works when the optional peers `langchain` and `@langchain/langgraph` are
// not installed: builds the package into a temp dir, checks every specifier its JS and .d.ts
// reach, then imports it with Node from a node_modules that holds only the required packages.
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peerAnswerText } from "@internal/test-utils";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(pkgDir, "package.json"));
const OPTIONAL = /^(langchain|@langchain\/langgraph)(\/|$)/;

let tmp: string;
let installed: string;

/** Every bare specifier reachable from an entry file through relative imports. */
function reachableSpecifiers(entry: string): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        visit(file.endsWith(".d.ts") ? target.replace(/\.js$/, ".d.ts") : target);
      } else {
        bare.add(spec);
      }
    }
  };
  visit(entry);
  return bare;
}

function link(name: string): void {
  const target = realpathSync(dirname(require.resolve(`${name}/package.json`)));
  const dest = join(tmp, "node_modules", name);
  mkdirSync(dirname(dest), { recursive: true });
  symlinkSync(target, dest, "dir");
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "molecule-langchain-"));
  installed = join(tmp, "node_modules", "@molecule-ai", "langchain");
  mkdirSync(installed, { recursive: true });
  const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
  execFileSync(
    process.execPath,
    [tsc, "-p", join(pkgDir, "tsconfig.build.json"), "--outDir", join(installed, "dist")],
    {
      stdio: "pipe",
    },
  );
  writeFileSync(join(installed, "package.json"), readFileSync(join(pkgDir, "package.json")));
  for (const name of ["@langchain/core", "@molecule-ai/agent-core", "zod"]) link(name);
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("optional peers", () => {
  it("the main entry's JS and types never reach langchain or @langchain/langgraph", () => {
    for (const entry of ["index.js", "index.d.ts"]) {
      const specs = [...reachableSpecifiers(join(installed, "dist", entry))];
      expect(specs).toContain("@langchain/core/tools");
      expect(specs.filter((s) => OPTIONAL.test(s))).toEqual([]);
    }
    // the middleware subpath is the one place that needs `langchain`
    expect([...reachableSpecifiers(join(installed, "dist", "middleware.js"))]).toContain(
      "langchain",
    );
  });

  it("imports and works with only @langchain/core installed", () => {
    const script = `
      const m = await import("@molecule-ai/langchain");
      const client = { callPeer: async (id, text) => ({ status: "completed", text: "[A2A_RESULT_FROM_PEER]\\nhi " + text + "\\n[/A2A_RESULT_FROM_PEER]", raw: {}, peerId: id, messageId: "m" }) };
      const t = m.createPeerTool(client, { id: "p1", name: "Peer One" });
      console.log(JSON.stringify({ name: t.name, out: await t.invoke({ message: "there" }) }));
      try { await import("@molecule-ai/langchain/middleware"); console.log("middleware-loaded"); }
      catch (e) { console.log("middleware:" + e.code + ":" + /'langchain'/.test(e.message)); }
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: tmp,
      encoding: "utf8",
    })
      .trim()
      .split("\n");
    expect(JSON.parse(out[0] as string)).toEqual({
      name: "call_peer_one",
      out: peerAnswerText("Peer One", "hi there"),
    });
    expect(out[1]).toBe("middleware:ERR_MODULE_NOT_FOUND:true");
  });
});
