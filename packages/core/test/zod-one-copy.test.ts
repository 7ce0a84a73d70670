// Issue 101: the SDK loads zod lazily with `require`, which on Node gave its CommonJS build while
// every `import "zod"` in the same process (an MCP server's, the AI SDK's, the host's) gave its ES
// module build: two copies of zod, ~4 MiB of an idle `molecule-mcp`. On Node it now loads the ES
// module build, the copy an import gets.
import { describe, expect, it } from "vitest";
import { loadZod } from "../src/runtime/modules.js";

describe.skipIf(process.versions["bun"] !== undefined || process.versions["deno"] !== undefined)(
  "loadZod (Node)",
  () => {
    it("gives the zod an `import` gets: one copy in the process", async () => {
      const imported = await import("zod");
      expect(loadZod().z).toBe(imported.z);
    });
  },
);
