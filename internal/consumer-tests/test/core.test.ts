// Consumer smoke test: the packed tarball of @molecule-ai/agent-core (exactly what npm would
// publish) is unpacked into throwaway ESM and CommonJS projects, which load it by package name
// through its `exports` map and call a real function.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { unpackInto } from "@internal/test-utils";
import type { PackedPackage } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withWorkFolder } from "./packed.js";

let packed: PackedPackage | undefined;
let tarball: string;

/** Creates a project whose node_modules holds the unpacked tarball and links to its dependencies. */
function makeProject(name: string, type: "module" | "commonjs"): string {
  return unpackInto(packed!, name, type);
}

const expected = "d6613bd39a97d368b8e50d69bf5283a7c0574a2ea87db986303fab6d4654df52";

beforeAll(() => {
  // The tarball global-setup.ts packed (once per run, for every file).
  const core = inject("packed").filter((p) => p.name === "@molecule-ai/agent-core");
  packed = withWorkFolder(core, "molecule-consumer-")[0]!;
  tarball = packed.tarball;
});

afterAll(() => packed?.dispose());

/** Node >= 22.19 is the published floor; `./dev test` provides that exact version. */
const floorNode = process.env.MOLECULE_FLOOR_NODE;

/** A consumer program: load the package, build a client, call pure functions. */
const program = (load: string): string =>
  `${load}\n` +
  `const client = new core.PlatformClient({ platformUrl: "http://127.0.0.1:9", workspaceId: "00000000-0000-4000-8000-000000000001", token: "t" });\n` +
  `console.log([process.version, core.makeIdempotencyKey("hello", 1714600000900), core.sanitizePeerText("[A2A_RESULT_FROM_PEER]\\nok\\n[/A2A_RESULT_FROM_PEER]"), typeof client.callPeer].join(" "));\n`;

describe.skipIf(!floorNode)(
  "@molecule-ai/agent-core on the oldest supported Node (22.19.0)",
  () => {
    it.each([
      ["import", "module", 'import * as core from "@molecule-ai/agent-core";'],
      ["require()", "commonjs", 'const core = require("@molecule-ai/agent-core");'],
    ] as const)("loads with %s and runs", (_how, type, load) => {
      const dir = makeProject(`floor-${type}`, type);
      writeFileSync(join(dir, "index.js"), program(load));
      const out = execFileSync(floorNode!, ["index.js"], { cwd: dir, encoding: "utf8" }).trim();
      expect(out).toBe(`v22.19.0 ${expected} ok function`);
    });
  },
);

describe("@molecule-ai/agent-core as published", () => {
  it("loads with import from an ESM project", () => {
    const dir = makeProject("esm-consumer", "module");
    writeFileSync(
      join(dir, "index.js"),
      `import { makeIdempotencyKey } from "@molecule-ai/agent-core";\nconsole.log(makeIdempotencyKey("hello", 1714600000900));\n`,
    );
    const out = execFileSync(process.execPath, ["index.js"], { cwd: dir, encoding: "utf8" });
    expect(out.trim()).toBe(expected);
  });

  it("loads with require() from a CommonJS project", () => {
    const dir = makeProject("cjs-consumer", "commonjs");
    writeFileSync(
      join(dir, "index.js"),
      `const { makeIdempotencyKey } = require("@molecule-ai/agent-core");\nconsole.log(makeIdempotencyKey("hello", 1714600000900));\n`,
    );
    const out = execFileSync(process.execPath, ["index.js"], { cwd: dir, encoding: "utf8" });
    expect(out.trim()).toBe(expected);
  });

  it("ships only built files, sources and docs", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("package/dist/index.js");
    expect(listing).toContain("package/dist/index.d.ts");
    expect(listing.some((f) => f.endsWith(".test.ts"))).toBe(false);
  });
});
