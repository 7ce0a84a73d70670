// The edge build (`dist/edge/`, what the `workerd`, `edge-light`, `worker` and `browser` conditions
// load) imports no Node built-in and never calls `createRequire`, on every entry a serverless
// workspace uses: Next's edge runtime refuses such a module at build time, and workerd without
// `nodejs_compat` has none. What its runtime layer needs from a package (@noble/hashes) is bundled
// in, so the published `dependencies` stay as they are. The built files are read as they ship.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
};

/** The entries of the edge build: every subpath with an `edge-light` target but `/plugins`. */
// /plugins installs plugins on disk and runs their setup script; /testing starts the emulator.
const NODE_ONLY = new Set(["./plugins", "./testing"]);
const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === "object" && target["edge-light"] && !NODE_ONLY.has(subpath)
    ? [[subpath, join(pkgDir, target["edge-light"])] as const]
    : [],
);

// Static imports and re-exports (at a line's start, as the bundler writes them: not the examples
// in a bundled library's comments), dynamic imports and requires.
const SPECIFIER =
  /^(?:import|export)\b[^;"']*?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/gm;

/** Every file `entry` loads and the bare specifiers each imports. */
function graph(entry: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const bare: string[] = [];
    files.set(file, bare);
    const code = readFileSync(file, "utf8");
    if (/\bcreateRequire\b/.test(code)) bare.push("createRequire");
    for (const m of code.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith(".")) visit(join(dirname(file), spec));
      else bare.push(spec);
    }
  };
  visit(entry);
  return files;
}

describe("the edge build (dist/edge)", () => {
  it("has the serverless entries (root, /a2a, /adapters, /peer-tools, ...)", () => {
    expect(entries.map(([s]) => s)).toEqual(
      expect.arrayContaining([".", "./a2a", "./adapters", "./peer-tools", "./peer-tools/schemas"]),
    );
  });

  it.each(entries)(
    "%s imports no Node built-in, no createRequire, and only the package's dependencies",
    (_subpath, entry) => {
      const found: string[] = [];
      for (const [file, bare] of graph(entry)) {
        for (const spec of bare) {
          const name = spec.startsWith("@")
            ? spec.split("/").slice(0, 2).join("/")
            : spec.split("/")[0]!;
          if (spec === "createRequire" || spec.startsWith("node:") || !(name in pkg.dependencies)) {
            found.push(`${relative(pkgDir, file)}: ${spec}`);
          }
        }
      }
      expect(found).toEqual([]);
    },
  );
});

describe("the edge build at run time (imported here, in Node, as a bundler would)", () => {
  it("derives the Node build's ids, keys and secrets (instances of both kinds share a workspace)", async () => {
    const node = await import(join(pkgDir, "dist/index.js"));
    const edge = await import(join(pkgDir, "dist/edge/index.js"));
    const nodeA2A = await import(join(pkgDir, "dist/public/a2a.js"));
    const edgeA2A = await import(join(pkgDir, "dist/edge/public/a2a.js"));
    expect(edge.makeIdempotencyKey("summarise the report ✓", 1_700_000_000_000)).toBe(
      node.makeIdempotencyKey("summarise the report ✓", 1_700_000_000_000),
    );
    expect(edgeA2A.derivePathSecret("a stable key", "workspace-1")).toBe(
      nodeA2A.derivePathSecret("a stable key", "workspace-1"),
    );
    expect(edge.generatePathSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers a pushed message with the Node build's derived context and task ids (handleFetch)", async () => {
    const secret = "s".repeat(43);
    const send = async (entry: string): Promise<{ contextId?: string; taskId?: string }> => {
      const { createA2AHandler } = await import(join(pkgDir, entry));
      const handler = createA2AHandler({
        agentCard: { name: "parity", description: "parity" },
        pathSecret: secret,
        onMessage: () => "ok",
      });
      const res: Response = await handler.handleFetch(
        new Request(`http://agent.example/${secret}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "message/send",
            params: {
              message: {
                kind: "message",
                role: "user",
                messageId: "msg-shared-by-two-runtimes ✓",
                parts: [{ kind: "text", text: "hello" }],
              },
            },
          }),
        }),
      );
      const body = (await res.json()) as { result: { contextId?: string; taskId?: string } };
      return { contextId: body.result.contextId, taskId: body.result.taskId };
    };
    const node = await send("dist/public/a2a.js");
    const edge = await send("dist/edge/public/a2a.js");
    // An issued contextId (#69): an HMAC of the messageId under a key derived from the path secret,
    // so both builds (and every replica sharing the secret) name the message's conversation alike.
    expect(node.contextId).toMatch(/^ctx-[A-Za-z0-9_-]{32}$/);
    expect(edge).toEqual(node);
  });

  it("refuses a file store with module_unavailable, saying what runs there instead", async () => {
    const edge = await import(join(pkgDir, "dist/edge/index.js"));
    for (const make of [
      () => new edge.FileCursorStore("./cursor"),
      () => edge.fileStore("./state"),
      () => new edge.FileTokenStore({ workspaceId: "ws-1" }),
    ]) {
      const err = (() => {
        try {
          make();
        } catch (e) {
          return e as { code?: string; message: string; retryable?: boolean };
        }
        return undefined;
      })();
      expect(err?.code).toBe("module_unavailable");
      expect(err?.retryable).toBe(false);
      expect(err?.message).toMatch(/no file system; use .+, or use the Node\.js runtime/);
      expect(edge.isMoleculeError(err)).toBe(true);
    }
  });

  it("an event stream (Node streams) refuses with MoleculeError module_unavailable, not a network error", async () => {
    const edge = await import(join(pkgDir, "dist/edge/index.js"));
    const { startEmulator } = await import("@molecule-ai/platform-emulator");
    const emu = await startEmulator();
    const w = await emu.admin.createWorkspace({ name: "edge-events" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new edge.PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
    try {
      const err = await client.openEventStream().then(
        () => undefined,
        (e: unknown) => e as { code?: string; retryable?: boolean; message: string },
      );
      expect(edge.isMoleculeError(err)).toBe(true);
      expect(err?.code).toBe("module_unavailable");
      expect(err?.retryable).toBe(false);
      expect(err?.message).toMatch(/Node\.js runtime/);
    } finally {
      await client.close();
      await emu.close();
    }
  });

  it("startA2AServer refuses with MoleculeError module_unavailable, naming handleFetch", async () => {
    const a2a = await import(join(pkgDir, "dist/edge/public/a2a.js"));
    const edge = await import(join(pkgDir, "dist/edge/index.js"));
    const err = await a2a.startA2AServer({ agentCard: { name: "x" }, onMessage: () => "hi" }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; retryable?: boolean; message: string },
    );
    expect(edge.isMoleculeError(err)).toBe(true);
    expect(err?.code).toBe("module_unavailable");
    expect(err?.retryable).toBe(false);
    expect(err?.message).toMatch(/handleFetch/);
  });
});
