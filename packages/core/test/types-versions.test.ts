// A CommonJS TypeScript project (moduleResolution node10, as a NestJS 11 app compiles) resolves a
// subpath's types through `typesVersions`, not `exports`: every typed subpath needs its entry, or
// `import ... from "@molecule-ai/agent-core/<subpath>"` fails with TS2307 there.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | { types?: string }>;
  typesVersions: { "*": Record<string, string[]> };
};

it("every typed subpath of exports has the same types in typesVersions", () => {
  const fromExports = Object.fromEntries(
    Object.entries(pkg.exports).flatMap(([subpath, target]) =>
      subpath !== "." && typeof target === "object" && target.types
        ? [[subpath.slice(2), [target.types]]]
        : [],
    ),
  );
  expect(Object.keys(fromExports).length).toBeGreaterThan(5);
  expect(pkg.typesVersions["*"]).toEqual(fromExports);
});
