// The official clients speaking A2A v1.0 to our push server over real HTTP (issue #48):
// @a2a-js/sdk 1.x and the Python a2a-sdk 1.3.0 (pinned, installed by this test into the virtual
// environment a2a-python-client.test.ts uses) each hold a multi-turn task, page through ListTasks
// with filters (context, status, statusTimestampAfter), and follow a running task with
// SubscribeToTask until CancelTask ends it `canceled`. The Python part is skipped, saying why, only
// where no Python 3.10+ exists.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CancelTaskRequest,
  ListTasksRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  TaskState,
  type Task,
} from "@a2a-js/sdk";
import { ClientFactory, type Client } from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";

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
if ("skip" in found) console.warn(`[a2a-official-clients-v1] Python part skipped: ${found.skip}`);

let server: A2AServer;

/** A task that runs until it is canceled (CancelTask aborts `signal`). */
async function* hold(signal: AbortSignal): AsyncGenerator<string> {
  yield "holding";
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
}

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: { name: "weather" },
    streaming: true,
    onMessage: (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text === "hold") return hold(ctx.signal);
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return `Sunny in ${text}`;
    },
  });
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
}, 300_000);

afterAll(async () => {
  await server?.close();
});

const request = (
  text: string,
  extra: { taskId?: string; contextId?: string; background?: boolean } = {},
): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    message: {
      messageId: crypto.randomUUID(),
      role: "ROLE_USER",
      parts: [{ text }],
      ...(extra.taskId ? { taskId: extra.taskId } : {}),
      ...(extra.contextId ? { contextId: extra.contextId } : {}),
    },
    ...(extra.background ? { configuration: { returnImmediately: true } } : {}),
  });

async function taskOf(client: Client, req: SendMessageRequest): Promise<Task> {
  const result = await client.sendMessage(req);
  if (!("status" in result)) throw new Error(`expected a task, got ${JSON.stringify(result)}`);
  return result;
}

describe("@a2a-js/sdk 1.x client, A2A v1.0", () => {
  let client: Client;
  beforeAll(async () => {
    client = await new ClientFactory().createFromUrl(server.cardUrl, "");
  });

  it("holds a multi-turn task", async () => {
    expect(client.protocolVersion).toBe("1.0");
    const first = await taskOf(client, request("weather?"));
    expect(first.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const done = await taskOf(client, request("Paris", { taskId: first.id }));
    expect(done.id).toBe(first.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("pages through ListTasks with filters", async () => {
    const contextId = crypto.randomUUID();
    for (let i = 0; i < 3; i++) await taskOf(client, request(`q ${i}`, { contextId }));
    const page1 = await client.listTasks(ListTasksRequest.fromJSON({ contextId, pageSize: 2 }));
    const page2 = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId, pageSize: 2, pageToken: page1.nextPageToken }),
    );
    expect([page1.tasks.length, page2.tasks.length, page2.nextPageToken, page1.totalSize]).toEqual([
      2,
      1,
      "",
      3,
    ]);
    expect(new Set([...page1.tasks, ...page2.tasks].map((t) => t.id)).size).toBe(3);
    const asking = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId, status: "TASK_STATE_INPUT_REQUIRED" }),
    );
    const completed = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId, status: "TASK_STATE_COMPLETED" }),
    );
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const future = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId, statusTimestampAfter: later }),
    );
    expect([asking.tasks.length, completed.tasks.length, future.tasks.length]).toEqual([3, 0, 0]);
  });

  it("follows a running task with SubscribeToTask until CancelTask ends it", async () => {
    const held = await taskOf(client, request("hold", { background: true }));
    expect(held.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: held.id }));
    const first = await events.next();
    expect(first.value?.payload?.$case).toBe("task");
    const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: held.id }));
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    let last: TaskState | undefined;
    for await (const event of events) {
      if (event.payload?.$case === "statusUpdate") last = event.payload.value.status?.state;
    }
    expect(last).toBe(TaskState.TASK_STATE_CANCELED);
  });
});

describe.skipIf("skip" in found)("the Python a2a-sdk client, A2A v1.0", () => {
  it("holds a multi-turn task, pages ListTasks with filters, subscribes and cancels", async () => {
    const base = server.cardUrl.replace(/\/\.well-known\/agent-card\.json$/, "");
    const out = await run(python, [join(here, "fixtures/python/v1-tour.py"), base]);
    expect(JSON.parse(out)).toEqual({
      turns: ["TASK_STATE_INPUT_REQUIRED", "TASK_STATE_COMPLETED"],
      answer: "Sunny in Paris",
      sameId: true,
      pages: [2, 1, "", 3],
      distinct: 3,
      filtered: [3, 0, 0],
      held: "TASK_STATE_SUBMITTED",
      subscribed: true,
      canceled: "TASK_STATE_CANCELED",
      streamEnd: "TASK_STATE_CANCELED",
    });
  }, 120_000);
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
