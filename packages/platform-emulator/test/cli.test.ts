// The `molecule-platform-emulator` command: flags, the `listening on` line, clean exit on signals.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli } from "../src/cli-options.js";
import { exitOf, firstLines, run } from "./cli-helpers.js";

/** Registers `agentUrl` on a fresh emulator process started with `args`; the status. */
async function registerUrl(agentUrl: string, args: string[]): Promise<number> {
  const child = run(["--port", "0", "--admin-token", "adm", ...args]);
  const [listening] = await firstLines(child, 2);
  const url = listening?.replace("listening on ", "");
  const created = await fetch(`${url}/workspaces`, {
    method: "POST",
    headers: { Authorization: "Bearer adm" },
    body: JSON.stringify({ name: "cli", runtime: "external" }),
  });
  const { id, connection } = (await created.json()) as {
    id: string;
    connection: { auth_token: string };
  };
  const r = await fetch(`${url}/registry/register`, {
    method: "POST",
    headers: { Authorization: `Bearer ${connection.auth_token}` },
    body: JSON.stringify({ id, url: agentUrl, agent_card: { name: "cli" } }),
  });
  child.kill("SIGTERM");
  await exitOf(child);
  return r.status;
}

describe("molecule-platform-emulator", () => {
  it("prints `listening on <url>` and the admin token, serves the compat, exits 0 on SIGTERM", async () => {
    const child = run(["--port", "0", "--compat", "2026-04", "--admin-token", "adm-secret"]);
    const [listening, admin] = await firstLines(child, 2);
    const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(listening ?? "")?.[1];
    expect(url).toBeDefined();
    expect(admin).toBe("admin token: adm-secret");
    const created = await fetch(`${url}/workspaces`, {
      method: "POST",
      headers: { Authorization: "Bearer adm-secret" },
      body: JSON.stringify({ name: "cli", runtime: "external" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // baseline contract: the unknown cursor is ignored (200), not 410
    const act = await fetch(
      `${url}/workspaces/${id}/activity?since_id=00000000-0000-0000-0000-000000000000`,
      {
        headers: { Authorization: "Bearer adm-secret" },
      },
    );
    expect(act.status).toBe(200);
    child.kill("SIGTERM");
    expect(await exitOf(child)).toBe(0);
  });

  it("exits 0 on SIGINT and persists --state-file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emu-cli-"));
    try {
      const stateFile = join(dir, "org.json");
      const child = run(["--port", "0", "--state-file", stateFile]);
      const [listening, admin] = await firstLines(child, 2);
      const url = listening?.replace("listening on ", "");
      const token = admin?.replace("admin token: ", "");
      const r = await fetch(`${url}/workspaces`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: "kept", runtime: "external" }),
      });
      const { id } = (await r.json()) as { id: string };
      child.kill("SIGINT");
      expect(await exitOf(child)).toBe(0);
      const saved = JSON.parse(await readFile(stateFile, "utf8")) as {
        workspaces: { id: string }[];
      };
      expect(saved.workspaces.map((w) => w.id)).toContain(id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses private agent URLs on register unless --lenient-agent-urls; loopback only before 2026-08", async () => {
    // The August server in dev mode accepts loopback and refuses RFC-1918 (validateAgentURL).
    expect(await registerUrl("http://127.0.0.1:9/a2a", [])).toBe(200);
    expect(await registerUrl("http://10.0.0.5/a2a", [])).toBe(400);
    expect(await registerUrl("http://10.0.0.5/a2a", ["--lenient-agent-urls"])).toBe(200);
    // The May server refused loopback too, with the opaque 400.
    const may = ["--compat", "2026-05"];
    expect(await registerUrl("http://127.0.0.1:9/a2a", may)).toBe(400);
    expect(await registerUrl("http://127.0.0.1:9/a2a", [...may, "--lenient-agent-urls"])).toBe(200);
  });

  it("rejects a bad --compat with exit code 2", async () => {
    const child = run(["--compat", "2025"]);
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(err).toContain("--compat must be one of latest, 2026-04, 2026-05, 2026-08");
  });

  it("accepts --compat 2026-08", () => {
    expect(parseCli(["--compat", "2026-08"]).emulator.compat).toBe("2026-08");
    expect(parseCli([]).emulator.compat).toBe("latest");
  });
});
