// `molecule-platform-emulator --workspace ...`: workspaces created at start-up (children under
// their parent), the `export MOLECULE_…` lines printed for each, `--env-dir` files, reuse from a
// `--state-file`, and bad specs. Every printed value is checked against the running emulator.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exitOf, firstLines, run, stderrOf } from "./cli-helpers.js";

interface Block {
  name: string;
  comment: string;
  env: Record<string, string>;
  source: string | undefined;
}

/** The workspace blocks after the two banner lines: `# workspace "<name>" ...` then exports. */
function blocks(lines: string[]): Block[] {
  const out: Block[] = [];
  for (const line of lines.slice(2)) {
    const head = /^# workspace "([^"]+)" \((.*)\): paste/.exec(line);
    if (head) out.push({ name: head[1]!, comment: head[2]!, env: {}, source: undefined });
    const exp = /^export (MOLECULE_[A-Z_]+)=(.+)$/.exec(line);
    if (exp) out.at(-1)!.env[exp[1]!] = exp[2]!;
    const src = /^# or: source (.+)$/.exec(line);
    if (src) out.at(-1)!.source = src[1];
  }
  return out;
}

async function get(url: string, token: string): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: r.status, json: await r.json() };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "emu-cli-ws-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(["latest", "2026-04"])("molecule-platform-emulator --workspace (%s)", (compat) => {
  it("creates a parent and a child and prints the export lines each agent needs", async () => {
    const envDir = join(dir, "env");
    const child = run([
      "--port",
      "0",
      "--compat",
      compat,
      "--env-dir",
      envDir,
      "--workspace",
      "coordinator",
      "--workspace",
      "researcher,parent=coordinator,role=research",
    ]);
    // 2 banner lines, then per workspace: blank, comment, 3 exports, `# or: source`
    const lines = await firstLines(child, 2 + 2 * 6);
    const url = lines[0]!.replace("listening on ", "");
    const [coord, res] = blocks(lines);
    expect(coord?.name).toBe("coordinator");
    expect(res?.name).toBe("researcher");
    expect(res?.comment).toBe('child of "coordinator", role research');
    for (const b of [coord!, res!]) {
      expect(Object.keys(b.env)).toEqual([
        "MOLECULE_PLATFORM_URL",
        "MOLECULE_WORKSPACE_ID",
        "MOLECULE_WORKSPACE_TOKEN",
      ]);
      expect(b.env["MOLECULE_PLATFORM_URL"]).toBe(url);
      // the printed token is the workspace's own: its state answers 200 with it
      const id = b.env["MOLECULE_WORKSPACE_ID"]!;
      const token = b.env["MOLECULE_WORKSPACE_TOKEN"]!;
      expect((await get(`${url}/workspaces/${id}/state`, token)).status).toBe(200);
      expect(await readFile(b.source!, "utf8")).toBe(
        Object.entries(b.env)
          .map(([k, v]) => `export ${k}=${v}\n`)
          .join(""),
      );
      expect((await stat(b.source!)).mode & 0o777).toBe(0o600);
    }
    const coordId = coord!.env["MOLECULE_WORKSPACE_ID"]!;
    const resId = res!.env["MOLECULE_WORKSPACE_ID"]!;
    const ws = await get(`${url}/workspaces/${resId}`, res!.env["MOLECULE_WORKSPACE_TOKEN"]!);
    expect(ws.json).toMatchObject({ parent_id: coordId, role: "research", name: "researcher" });
    // the child's token is not the parent's: it cannot read the parent's state
    expect(
      (await get(`${url}/workspaces/${coordId}/state`, res!.env["MOLECULE_WORKSPACE_TOKEN"]!))
        .status,
    ).toBe(401);
    // Created for poll: the parent's call before the child's agent is up is stored for it (not
    // held in the platform's queue), and a poll agent registers with the printed values; 2026-04
    // has no poll delivery.
    const early = await fetch(`${url}/workspaces/${resId}/a2a`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${coord!.env["MOLECULE_WORKSPACE_TOKEN"]}`,
        "X-Workspace-ID": coordId,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "1",
        method: "message/send",
        params: {
          message: { role: "user", messageId: "m1", parts: [{ kind: "text", text: "hi" }] },
        },
      }),
    });
    expect([early.status, await early.json()]).toEqual(
      compat === "latest"
        ? [200, { status: "queued", delivery_mode: "poll", method: "message/send" }]
        : [503, { error: "workspace has no URL", status: "provisioning" }],
    );
    const reg = await fetch(`${url}/registry/register`, {
      method: "POST",
      headers: { Authorization: `Bearer ${res!.env["MOLECULE_WORKSPACE_TOKEN"]}` },
      body: JSON.stringify({ id: resId, agent_card: { name: "researcher" } }),
    });
    const registered = (await reg.json()) as { delivery_mode?: string };
    expect([reg.status, registered.delivery_mode]).toEqual(
      compat === "latest" ? [200, "poll"] : [400, undefined],
    );
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(0);
  });
});

describe("molecule-platform-emulator --workspace with --state-file", () => {
  it("keeps the workspace across a restart and prints a new, working token", async () => {
    const stateFile = join(dir, "org.json");
    const args = ["--port", "0", "--state-file", stateFile, "--workspace", "echo"];
    const first = run(args);
    const [a] = blocks(await firstLines(first, 2 + 5));
    first.kill("SIGTERM");
    expect(await exitOf(first)).toBe(0);

    const second = run(args);
    const lines = await firstLines(second, 2 + 5);
    const url = lines[0]!.replace("listening on ", "");
    const [b] = blocks(lines);
    expect(b?.env["MOLECULE_WORKSPACE_ID"]).toBe(a?.env["MOLECULE_WORKSPACE_ID"]);
    expect(b?.env["MOLECULE_WORKSPACE_TOKEN"]).not.toBe(a?.env["MOLECULE_WORKSPACE_TOKEN"]);
    expect(b?.comment).toBe("top level, kept from the state file, new token");
    const id = b!.env["MOLECULE_WORKSPACE_ID"]!;
    expect(
      (await get(`${url}/workspaces/${id}/state`, b!.env["MOLECULE_WORKSPACE_TOKEN"]!)).status,
    ).toBe(200);
    const list = await fetch(`${url}/workspaces`, {
      headers: { Authorization: `Bearer ${lines[1]!.replace("admin token: ", "")}` },
    });
    // One "echo" (beside the August platform's seeded Org Concierge), not a second one.
    const names = ((await list.json()) as { name: string }[]).map((w) => w.name);
    expect(names.filter((n) => n === "echo")).toHaveLength(1);
    second.kill("SIGTERM");
    expect(await exitOf(second)).toBe(0);
  });
});

describe("molecule-platform-emulator --workspace: bad input exits 2 and names the flag", () => {
  it.each([
    [["--workspace", "b,parent=a"], 'parent "a" must be declared by an earlier --workspace'],
    [["--workspace", "a", "--workspace", "a"], 'workspace "a" is declared twice'],
    [["--workspace", "a,colour=red"], 'unknown key "colour"'],
    [["--workspace", "a b"], "the name must be 1-64 letters"],
    [["--env-dir", "x"], "--env-dir writes one file per --workspace"],
  ])("%j", async (args, message) => {
    const child = run(["--port", "0", ...args]);
    const err = stderrOf(child);
    expect(await exitOf(child)).toBe(2);
    expect(err()).toContain(message);
  });
});
