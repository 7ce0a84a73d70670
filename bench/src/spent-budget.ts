// A spent rate budget (issue 93): 20 default poll agents and an asker in one SaaS org at 120
// requests a minute against the emulator's limiter, 200 questions at once with the caller's 120 s.
// The figures are the platform's: how many answers arrive within 360 s of the first question, how
// many requests each delivered answer cost, how soon the 20 agents were online, the longest gap
// between an agent's accepted heartbeats, and how many requests were sent only to be aborted. The
// platform's clock runs SPENT_BUDGET_SCALE (default 20) times faster, in the child
// (`spent-budget-fleet.ts`, which holds the emulator and the agents): the budget reads its lengths
// from the platform's answers and its second, so the counts are those of the real minute; the
// agents' start is local CPU, which the scale multiplies (read "online" against the base's).
//
//   ./dev bench spent-budget --base <ref>   (or: node bench/src/spent-budget.ts)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { writeResult } from "./harness/result.ts";

interface Run {
  onlineS: number;
  sent: number;
  refused: number;
  failed: number;
  answersIn360: number;
  allAnsweredS: number | null;
  requestsPerAnswer: number;
  heartbeatGapS: number;
  sentAndAborted: number;
}

const child = fileURLToPath(new URL("./spent-budget-fleet.ts", import.meta.url));
const run = await new Promise<Run>((resolve, reject) => {
  const p = spawn(process.execPath, [child], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.setEncoding("utf8");
  p.stdout.on("data", (c: string) => (out += c));
  p.once("exit", (code) => {
    const line = /RESULT (\{.*\})/.exec(out);
    if (line?.[1] !== undefined) resolve(JSON.parse(line[1]) as Run);
    else reject(new Error(`spent-budget-fleet exited ${code} without a result`));
  });
});
console.log(JSON.stringify(run));

const ours = "20 default RemoteAgent poll agents + PlatformClient asker, one org, 120/min";
await writeResult({
  name: "spent-budget",
  description:
    "20 default poll agents and an asker of one SaaS org at 120 requests a minute against the emulator's limiter (its fixed window), 200 questions at once with the caller's 120 s; the platform's clock 20x (figures in its time).",
  rounds: 1,
  figures: [
    {
      figure: "answers in 360 s",
      ours,
      peer: "none",
      unit: "answers",
      oursValue: run.answersIn360,
    },
    {
      figure: "questions sent (the rest refused unsent, rate_limited)",
      ours,
      peer: "none",
      unit: "questions",
      oursValue: run.sent,
    },
    {
      figure: "every question sent answered within",
      ours,
      peer: "none",
      unit: "s",
      oursValue: run.allAnsweredS ?? Infinity,
      target: { on: "ours", op: "<=", value: 300 },
    },
    {
      figure: "requests per delivered answer",
      ours,
      peer: "none",
      unit: "requests",
      oursValue: run.requestsPerAnswer,
    },
    {
      figure: "20 agents online (registrations or first heartbeats accepted)",
      ours,
      peer: "none",
      unit: "s (x20 local CPU)",
      oursValue: run.onlineS,
    },
    {
      figure: "longest heartbeat gap",
      ours,
      peer: "none",
      unit: "s",
      oursValue: run.heartbeatGapS,
      target: { on: "ours", op: "<=", value: 60 },
    },
    {
      figure: "requests sent and aborted",
      ours,
      peer: "none",
      unit: "requests",
      oursValue: run.sentAndAborted,
      target: { on: "ours", op: "<=", value: 0 },
    },
  ],
  notes: [
    `questions refused unsent: ${run.refused}; failed otherwise: ${run.failed}`,
    "The emulator runs in the child with the agents (it needs the scaled clock in-process); the figures are counts and platform times, not CPU.",
  ],
});
