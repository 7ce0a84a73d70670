// Interop: the official Python `a2a-sdk` client (pinned from PyPI, installed by this test into a
// virtual environment under node_modules/.cache) holds a multi-turn task with our server over
// real HTTP: input-required, answered by taskId, completed with three messages of history; a
// message to the completed task refused; SubscribeToTask of an unknown task gives its typed
// TaskNotFoundError; ListTasks answers, listing none (#69: the push path names no caller, so a
// listing would show every caller's tasks to every other). Skipped, saying why, only where no
// Python 3 exists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { installA2ASdk, pythonSkip, runPython } from "./fixtures/python-a2a-sdk.js";

if (pythonSkip) console.warn(`[a2a-python-client: skipped] ${pythonSkip}`);

let server: A2AServer;

beforeAll(async () => {
  installA2ASdk();
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

describe.skipIf(pythonSkip !== undefined)("the Python a2a-sdk client", () => {
  it("holds a multi-turn task, is refused after it, gets TaskNotFoundError, lists no task", async () => {
    const base = server.cardUrl.replace(/\/\.well-known\/agent-card\.json$/, "");
    const out = await runPython("multiturn.py", [base]);
    const seen = JSON.parse(out) as Record<string, unknown>;
    expect(seen).toMatchObject({
      first: "TASK_STATE_INPUT_REQUIRED",
      question: "Which city?",
      sameId: true,
      done: "TASK_STATE_COMPLETED",
      history: ["weather?", "Which city?", "Paris"],
      again: { type: "UnsupportedOperationError" },
      listed: [],
      unknown: { type: "TaskNotFoundError" },
    });
  }, 60_000);
});
