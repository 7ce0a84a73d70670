// Interop: the official Python `a2a-sdk` client (pinned from PyPI, installed by this test into a
// virtual environment under node_modules/.cache) holds a multi-turn task with our server over
// real HTTP: input-required, answered by taskId, completed with three messages of history; a
// message to the completed task refused; SubscribeToTask of an unknown task gives its typed
// TaskNotFoundError; ListTasks lists the task. Skipped, saying why, only where no Python 3 exists.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";

/** The pinned client (the Python a2a-sdk 1.x line speaks A2A v1.0). */
const A2A_SDK = "a2a-sdk[http-server]==1.3.0";
const here = dirname(fileURLToPath(import.meta.url));
const venv = join(here, "../../../node_modules/.cache/py-a2a-sdk-1.3.0");
const python = join(venv, "bin/python");

/** A Python 3.10+ on PATH, or why there is none. */
function findPython(): { bin: string } | { skip: string } {
  for (const bin of ["python3", "python"]) {
    const r = spawnSync(bin, ["-c", "import sys; print(sys.version_info >= (3, 10))"], {
      encoding: "utf8",
    });
    if (r.status === 0 && r.stdout.trim() === "True") return { bin };
  }
  return { skip: "no Python 3.10+ on PATH (the a2a-sdk client needs it)" };
}

const found = findPython();
if ("skip" in found) console.warn(`[a2a-python-client] skipped: ${found.skip}`);

let server: A2AServer;

beforeAll(async () => {
  if ("skip" in found) return;
  const stamp = join(venv, `.installed-${A2A_SDK.replace(/[^a-z0-9.=-]/gi, "_")}`);
  if (!existsSync(stamp)) {
    mkdirSync(dirname(venv), { recursive: true });
    execFileSync(found.bin, ["-m", "venv", "--clear", venv], { stdio: "inherit" });
    execFileSync(
      python,
      ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", A2A_SDK],
      {
        stdio: "inherit",
      },
    );
    writeFileSync(stamp, "");
  }
  server = await startA2AServer({
    agentCard: { name: "weather" },
    streaming: true,
    onMessage: (message, ctx) =>
      ctx.history.length === 0
        ? inputRequired(ctx, "Which city?")
        : `Sunny in ${message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")}`,
  });
}, 300_000);

afterAll(async () => {
  await server?.close();
});

describe.skipIf("skip" in found)("the Python a2a-sdk client", () => {
  it("holds a multi-turn task, is refused after it, gets TaskNotFoundError, lists the task", async () => {
    const script = join(here, "fixtures/python/multiturn.py");
    const base = server.cardUrl.replace(/\/\.well-known\/agent-card\.json$/, "");
    const out = await run(python, [script, base]);
    const seen = JSON.parse(out) as Record<string, unknown>;
    expect(seen).toMatchObject({
      first: "TASK_STATE_INPUT_REQUIRED",
      question: "Which city?",
      sameId: true,
      done: "TASK_STATE_COMPLETED",
      history: ["weather?", "Which city?", "Paris"],
      again: { type: "UnsupportedOperationError" },
      listed: [true],
      unknown: { type: "TaskNotFoundError" },
    });
  }, 60_000);
});

/** Runs `bin args` to its end: its stdout, or an error with its stderr. */
async function run(bin: string, args: string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`python exited ${code}: ${stderr}`)),
    );
  });
}
