import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  computePluginHash,
  isPluginInstallError,
  listPluginManifest,
  verifyPluginHash,
} from "../src/plugins/index.js";
import {
  compareCodePoints,
  decodeFsName,
  pythonJsonDumps,
  pythonJsonString,
} from "../src/plugins/hash.js";

// The reference algorithm (python-sdk.md §3.2), run by python3 itself over the same tree.
const PY_HASH = `
import hashlib, json, sys
from pathlib import Path
root = Path(sys.argv[1])
rels = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
pairs = []
for rel in sorted(rels):
    if rel == "plugin.yaml":
        continue
    h = hashlib.sha256()
    with open(root / rel, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            h.update(chunk)
    pairs.append([rel, h.hexdigest()])
manifest = json.dumps(pairs, sort_keys=True).encode()
sys.stdout.write(json.dumps({"hash": hashlib.sha256(manifest).hexdigest(), "manifest": manifest.decode("ascii")}))
`;

function pythonHash(dir: string): { hash: string; manifest: string } {
  return JSON.parse(execFileSync("python3", ["-c", PY_HASH, dir], { encoding: "utf8" })) as {
    hash: string;
    manifest: string;
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "plugins-hash-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, body);
  }
}

/** Asserts our manifest bytes and hash equal python3's; returns python's manifest text. */
async function expectSameAsPython(): Promise<string> {
  const ours = await computePluginHash(dir);
  const py = pythonHash(dir);
  expect(pythonJsonDumps(await listPluginManifest(dir))).toBe(py.manifest);
  expect(ours).toBe(py.hash);
  return py.manifest;
}

describe("computePluginHash: golden vectors of the reference", () => {
  it("hashes a plugin with only plugin.yaml as sha256('[]')", async () => {
    await tree({ "plugin.yaml": "name: x\n" });
    expect(await computePluginHash(dir)).toBe(
      "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    );
  });

  it("hashes {plugin.yaml, rules.md} to the reference value", async () => {
    await tree({ "plugin.yaml": "name: x\nsha256: whatever\n", "rules.md": "# Rules\n" });
    expect(await listPluginManifest(dir)).toEqual([
      ["rules.md", "a3af2177809b3c009bfec4d1c507c6ee32757385e856bce9ae5ac3aec41a791b"],
    ]);
    expect(await computePluginHash(dir)).toBe(
      "b42c148ab9a04559abc29580e9619c4e55782140297cb740a11a1dd7e54fb62b",
    );
  });
});

describe("computePluginHash matches python3 byte for byte", () => {
  it("on an empty plugin folder", async () => {
    expect(await expectSameAsPython()).toBe("[]");
    expect(await computePluginHash(dir)).toBe(
      "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    );
  });

  it("on dotfiles, mixed case and -/./ ordering", async () => {
    await tree({
      ".env.example": "A=1\n",
      ".git/config": "[core]\n",
      "B.txt": "B",
      "a-b.txt": "ab",
      "a.txt": "a",
      "a/z.txt": "z",
      "a/.hidden": "",
      "empty.txt": "",
    });
    expect(await expectSameAsPython()).toMatch(
      /^\[\["\.env\.example", .*\["B\.txt", .*\["a-b\.txt", .*\["a\.txt", .*\["a\/\.hidden", /,
    );
  });

  it("hashes a nested plugin.yaml and excludes only the top-level one", async () => {
    await tree({
      "plugin.yaml": "top",
      "sub/plugin.yaml": "nested",
      "sub/deeper/plugin.yaml": "deeper",
    });
    const manifest = await listPluginManifest(dir);
    expect(manifest.map(([p]) => p)).toEqual(["sub/deeper/plugin.yaml", "sub/plugin.yaml"]);
    expect(await expectSameAsPython()).toContain('["sub/plugin.yaml", ');
  });

  it("on non-ASCII, astral and NFC/NFD names (code-point order, surrogate-pair escapes)", async () => {
    await tree({
      "é.md": "nfc",
      "e\u0301.md": "nfd",
      "日本語/ファイル.md": "jp",
      "😀.txt": "grin",
      "\uff21.txt": "fullwidth A", // sorts after the astral 😀 by UTF-16, before it by code point
      "𝔘nicode/ß.txt": "x",
      "z\u00a0space.txt": "nbsp",
    });
    const manifest = await listPluginManifest(dir);
    const names = manifest.map(([p]) => p);
    expect(names.indexOf("\uff21.txt")).toBeLessThan(names.indexOf("😀.txt"));
    expect(await expectSameAsPython()).toContain("\\ud83d\\ude00.txt");
  });

  it("on DEL, control characters, quotes and backslashes in names", async () => {
    await tree({
      "del\u007f.txt": "del",
      "tab\there.txt": "tab",
      "new\nline.txt": "nl",
      "ctl\u0001\u001f.txt": "ctl",
      'quote".txt': "q",
      "back\\slash.txt": "b",
      "bell\u0008ff\u000c.txt": "bf",
    });
    expect(await expectSameAsPython()).toContain("del\\u007f.txt");
  });

  it("on a name that is not valid UTF-8 (Python's surrogateescape)", async () => {
    await writeFile(
      Buffer.concat([
        Buffer.from(`${dir}/bad-`),
        Buffer.from([0xff, 0xc3, 0x28]),
        Buffer.from(".txt"),
      ]),
      "bad",
    );
    await tree({ "good.txt": "good" });
    expect(await expectSameAsPython()).toContain("bad-\\udcff\\udcc3(.txt");
  });

  it("follows symlinks to files, skips symlinked folders and dangling links, like pathlib", async () => {
    await tree({ "real/file.txt": "target", "other.txt": "o" });
    await symlink(path.join(dir, "real", "file.txt"), path.join(dir, "link-to-file.txt"));
    await symlink(path.join(dir, "real"), path.join(dir, "link-to-dir"));
    await symlink(path.join(dir, "missing"), path.join(dir, "dangling"));
    const names = (await listPluginManifest(dir)).map(([p]) => p);
    expect(names).toEqual(["link-to-file.txt", "other.txt", "real/file.txt"]);
    expect(await expectSameAsPython()).toContain('["other.txt", ');
  });

  it("on 50 files in 5 folders, independent of creation order", async () => {
    const files: Record<string, string> = {};
    for (let i = 49; i >= 0; i--) files[`dir${i % 5}/file-${i}.md`] = `content ${i}\n`;
    await tree(files);
    expect((await expectSameAsPython()).match(/\], \[/g)).toHaveLength(49);
  });

  it("streams files larger than one read chunk", async () => {
    await tree({ "big.bin": Buffer.alloc(300_000, 0xab) });
    expect(await expectSameAsPython()).toContain('["big.bin", ');
  });
});

describe("pythonJsonString", () => {
  it("matches python3 json.dumps on tricky strings", () => {
    const samples = [
      "plain",
      "é",
      "😀",
      "\u007f",
      "\u0000\u001f",
      '"\\/',
      "\n\r\t\b\f",
      "\ud800",
      "\udcff",
      "𝔘\u2028\u2029",
    ];
    const py = execFileSync(
      "python3",
      ["-c", "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))"],
      {
        input: JSON.stringify(samples),
        encoding: "utf8",
      },
    );
    expect(`[${samples.map(pythonJsonString).join(", ")}]`).toBe(py);
  });

  it("orders by code point, not UTF-16 unit", () => {
    expect(["😀", "\uff21", "a", "B"].sort(compareCodePoints)).toEqual(["B", "a", "\uff21", "😀"]);
    expect(compareCodePoints("a", "a/")).toBeLessThan(0);
    expect(compareCodePoints("same", "same")).toBe(0);
  });

  it("decodes invalid UTF-8 as Python's surrogateescape", () => {
    expect(decodeFsName(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xed, 0xa0, 0x80]))).toBe(
      "a\udcffé\udced\udca0\udc80",
    );
  });
});

describe("verifyPluginHash", () => {
  it("returns true for the right hash and false once a file changes", async () => {
    await tree({ "plugin.yaml": "x", "rules.md": "# Rules\n" });
    const good = "b42c148ab9a04559abc29580e9619c4e55782140297cb740a11a1dd7e54fb62b";
    expect(await verifyPluginHash(dir, good)).toBe(true);
    await writeFile(path.join(dir, "rules.md"), "# Tampered\n");
    expect(await verifyPluginHash(dir, good)).toBe(false);
    expect(await verifyPluginHash(dir, "0".repeat(64))).toBe(false);
  });

  it.each([
    "not-64-chars",
    "g".repeat(64),
    "",
    "A".repeat(64),
    ` ${"a".repeat(63)}`,
    "١".repeat(64),
  ])("rejects the malformed expected value %j with a clear error", async (bad) => {
    const err = await verifyPluginHash(dir, bad).catch((e: unknown) => e);
    expect(isPluginInstallError(err, "invalid_sha256")).toBe(true);
    expect((err as Error).message).toMatch(/64-character lowercase hex/);
  });
});
