import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileTokenStore, MemoryTokenStore } from "../src/index.js";

const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"; // 43-char base64url like the platform's
const DIST = resolve(import.meta.dirname, "../dist/index.js");

describe("FileTokenStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "mol-token-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("defaults to ~/.molecule/<id>/.auth_token and rejects ids that are paths", () => {
    const s = new FileTokenStore({ workspaceId: "ws-1" });
    expect(s.path).toMatch(/\.molecule[/\\]ws-1[/\\]\.auth_token$/);
    expect(() => new FileTokenStore({ workspaceId: "../etc" })).toThrow(
      /cannot name a token directory/,
    );
    expect(() => new FileTokenStore({ workspaceId: "a/b" })).toThrow(/cannot name/);
  });

  it("writes the token alone with no trailing newline, file 0600 and dir 0700", async () => {
    const store = new FileTokenStore({ workspaceId: "w", dir: join(dir, "nested", "w") });
    expect(await store.load()).toBeUndefined();
    await store.save(`  ${TOKEN}\n`);
    expect(await readFile(store.path, "utf8")).toBe(TOKEN);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
    expect(await store.load()).toBe(TOKEN);
  });

  it("creates the file 0600 even under a permissive umask", async () => {
    const old = process.umask(0o000);
    try {
      const store = new FileTokenStore({ workspaceId: "w", dir: join(dir, "u") });
      await store.save(TOKEN);
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it("reads files written by the Python SDK (trailing whitespace tolerated) and treats empty as none", async () => {
    const store = new FileTokenStore({ workspaceId: "w", dir });
    await writeFile(store.path, `${TOKEN}\n`);
    expect(await store.load()).toBe(TOKEN);
    await writeFile(store.path, "");
    expect(await store.load()).toBeUndefined();
  });

  it("refuses empty tokens without touching the stored one, and leaves no temp files", async () => {
    const store = new FileTokenStore({ workspaceId: "w", dir });
    await store.save(TOKEN);
    await expect(store.save("   ")).rejects.toThrow(/empty token/);
    await expect(store.save("a\nb")).rejects.toThrow(/line break/);
    expect(await store.load()).toBe(TOKEN);
    expect(await readdir(dir)).toEqual([".auth_token"]);
    await store.clear();
    expect(await store.load()).toBeUndefined();
    await store.clear(); // idempotent
  });

  it("is atomic between processes: concurrent writers never leave an empty or partial file", async () => {
    const store = new FileTokenStore({ workspaceId: "w", dir });
    const writer = (tag: string) =>
      new Promise<number>((resolvePromise, reject) => {
        const code = `
          const { FileTokenStore } = await import(${JSON.stringify(DIST)});
          const s = new FileTokenStore({ workspaceId: "w", dir: ${JSON.stringify(dir)} });
          for (let i = 0; i < 150; i++) await s.save("${tag}-" + i + "-" + "x".repeat(40));
        `;
        const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("error", reject);
        child.on("exit", (c) =>
          c === 0 ? resolvePromise(c) : reject(new Error(`writer ${tag} exited ${c}: ${err}`)),
        );
      });
    const both = Promise.all([writer("A"), writer("B")]);
    const state = { done: false };
    void both.finally(() => (state.done = true));
    const seen: (string | undefined)[] = [];
    while (!state.done) {
      seen.push(await store.load());
      await new Promise((r) => setImmediate(r));
    }
    await both;
    const valid = /^[AB]-\d+-x{40}$/;
    const loaded = seen.filter((v) => v !== undefined);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((v) => !valid.test(v))).toEqual([]);
    const final = await store.load();
    expect(final).toMatch(/^[AB]-149-x{40}$/);
    expect(await readdir(dir)).toEqual([".auth_token"]);
  });
});

describe("MemoryTokenStore and redaction", () => {
  it("stores in memory and never shows the token in inspect or JSON", async () => {
    const store = new MemoryTokenStore(TOKEN);
    expect(await store.load()).toBe(TOKEN);
    expect(inspect(store, { showHidden: true, depth: 5 })).not.toContain(TOKEN);
    expect(JSON.stringify(store)).not.toContain(TOKEN);
    await store.clear();
    expect(await store.load()).toBeUndefined();
    await store.save("other-token-value-123456789");
    expect(await store.load()).toBe("other-token-value-123456789");
  });
});
