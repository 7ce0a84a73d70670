// The supervisor of the push failure-isolation tests: runs a push agent child process, sends it
// messages concurrently over real HTTP, and when a handler kills it (kill -9) restarts it and
// re-sends what was not answered (a sender's retries), until every message has an answer. A
// message busy on a killed replica (its claim not expired yet) is re-sent until it is taken.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { sendA2AMessage } from "./a2a-send.js";
import { readLines } from "./lines.js";

/** How the messages ended: the kills, and each text's answer (`ok <text>`, or the error code). */
export interface KillRounds {
  kills: number;
  answers: Map<string, string>;
}

/**
 * Sends `texts` to the child at `file` (it prints "ready <push url>") with `env`, restarting it
 * after each kill, for at most `maxRuns` runs. An answer is the result's text, or the JSON-RPC
 * error's `data.code`. `children` holds the running child (for the test's clean-up). `bearer`:
 * the platform's inbound secret, sent as the platform's pushes carry it (August 2026).
 */
export async function pushKillRounds(opts: {
  file: string;
  env: Record<string, string>;
  texts: string[];
  maxRuns: number;
  children: Set<ChildProcess>;
  bearer?: string | undefined;
}): Promise<KillRounds> {
  const ids = new Map(opts.texts.map((t) => [t, randomUUID()]));
  const answers = new Map<string, string>();
  let kills = 0;
  for (let run = 0; run < opts.maxRuns && answers.size < opts.texts.length; run++) {
    const child = spawn(process.execPath, [opts.file], {
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    opts.children.add(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => {
        opts.children.delete(child);
        resolve(signal);
      }),
    );
    const out = readLines(child.stdout!);
    const ready = await Promise.race([out.line((l) => l.startsWith("ready ")), exited]);
    if (typeof ready !== "string") throw new Error("the child exited before it was ready");
    const url = ready.slice("ready ".length).replace("//localhost:", "//127.0.0.1:");
    // A send that gets no answer lost its connection: the child was killed.
    const sent = await Promise.all(
      opts.texts
        .filter((t) => !answers.has(t))
        .map(async (t) => {
          const a = await sendUntilTaken(url, ids.get(t)!, t, opts.bearer);
          if (a?.error) answers.set(t, String(a.error.data?.code ?? a.error.code));
          else if (a) answers.set(t, textOf(a.result));
          return a !== undefined;
        }),
    );
    if (sent.includes(false)) {
      if ((await exited) !== "SIGKILL") throw new Error("a send failed, but no kill -9");
      kills++;
      continue;
    }
    child.kill("SIGTERM");
    await exited;
  }
  return { kills, answers };
}

/**
 * Sends until the message is not busy on another replica (a killed replica's claim lasts until its
 * visibility timeout), for 15 s at most; `undefined` when the connection was lost.
 */
async function sendUntilTaken(url: string, id: string, text: string, bearer?: string) {
  const end = Date.now() + 15_000;
  for (;;) {
    const a = await sendA2AMessage(url, id, text, bearer).catch(() => undefined);
    if (a?.error?.data?.code !== "message_busy" || Date.now() > end) return a;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The text of an A2A `message/send` result (a message, or a task's status message). */
function textOf(result: unknown): string {
  const r = result as {
    parts?: Array<{ text?: string }>;
    status?: { message?: { parts?: Array<{ text?: string }> } };
  };
  const parts = r?.parts ?? r?.status?.message?.parts ?? [];
  return parts.map((p) => p.text ?? "").join("");
}
