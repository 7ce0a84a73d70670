// conversation-load's peer: the same conversation with no SDK. One side of a pair, in its own
// process (BENCH_FLOOR_ROLE "asker" or "answerer"), speaking the protocol the default agents speak
// written directly on undici's `request()` (the HTTP client the SDK uses on Node), with nothing
// else: it registers for poll delivery, opens the workspace's event stream, and on each inbound
// `ACTIVITY_LOGGED` event reads the new `a2a_receive` rows (`GET /activity` after its cursor, one
// read at a time, a wake-up during a read asking for one more); the answerer replies to each
// question `answer:<text>` through the platform's A2A proxy with `molecule_in_reply_to` set, the
// asker sends its questions the same way and resolves each on the reply naming it. No validation,
// no de-duplication, no journal, no tracing, no retries, no heartbeats: the floor of the protocol's
// requests and events, not an agent anyone should run. Bounded as a default RemoteAgent is
// (issue 88: the comparison measures the SDK's cost, not its bounds): BENCH_FLOOR_WIDTHS
// `<handlers>/<replies>` (default `4/8`, RemoteAgent's `concurrency` and `replyConcurrency`
// defaults) lets at most that many answers be produced at once (the dispatcher's handler slots)
// and at most that many replies be in flight (the reply outbox's send slots); `0` is unbounded
// (the comparison before issue 88). IPC with the parent is
// conversation-load-asker.ts's: `{ ready: true }` once the stream is open, `{ cpu: true }`,
// and (asker) `{ round: tag, n }` answered by `{ round: tag, ms, failures }`. Stops on SIGTERM.
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { Agent } from "undici";
import { benchEnv } from "./bench-agent.ts";
import { countRequests } from "./request-count.ts";

const who = "conversation-floor";
const origin = benchEnv(who, "BENCH_EMULATOR_URL");
const id = benchEnv(who, "BENCH_WORKSPACE_ID");
const token = benchEnv(who, "BENCH_WORKSPACE_TOKEN");
const role = benchEnv(who, "BENCH_FLOOR_ROLE");
countRequests(`${who}-${role}`);
const peer = role === "asker" ? benchEnv(who, "BENCH_PEER_ID") : "";

/** At most `n` runs of {@link Width.run} at once, the rest waiting in order; `n <= 0`: unbounded. */
class Width {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n > 0 ? n : Infinity;
  }
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
const [handlerWidth = 0, replyWidth = 0] = (process.env.BENCH_FLOOR_WIDTHS ?? "4/8")
  .split("/")
  .map(Number);
/** Answers being produced at once (the dispatcher's `concurrency`, default 4). */
const handlers = new Width(handlerWidth);
/** Replies in flight at once (the reply outbox's `replyConcurrency`, default 8). */
const replies = new Width(replyWidth);

/** Platform requests, and (no connection limit) the held proxy sends and the event stream, as the SDK's pools. */
const requests = new Agent({
  keepAliveTimeout: 10_000,
  keepAliveMaxTimeout: 60_000,
  connections: 256,
});
const streams = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
const headers = {
  authorization: `Bearer ${token}`,
  "x-workspace-id": id,
  "content-type": "application/json",
};
const peerHeaders = { ...headers, "x-source-workspace-id": id };

interface Message {
  messageId: string;
  contextId?: string;
  parts: { kind?: string; text?: string }[];
  metadata?: Record<string, unknown>;
}
interface Row {
  id: string;
  source_id: string | null;
  request_body?: { params?: { message?: Message } } | null;
}

/** Sends `message` to workspace `to` through the platform's A2A proxy (`message/send`). */
async function send(to: string, message: Message & { role: string }): Promise<void> {
  const res = await streams.request({
    origin,
    path: `/workspaces/${to}/a2a`,
    method: "POST",
    headers: peerHeaders,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: randomUUID(),
      method: "message/send",
      params: { message },
    }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`send to ${to}: ${res.statusCode} ${text}`);
}

let cursor: string | undefined;
let reading = false;
let again = false;
/** Reads the `a2a_receive` rows after the cursor, oldest first, and hands each to `onRow`. */
async function readInbox(onRow: (row: Row) => void): Promise<void> {
  if (reading) {
    again = true;
    return;
  }
  reading = true;
  try {
    do {
      again = false;
      const after = cursor === undefined ? "since_secs=600" : `since_id=${cursor}`;
      const res = await requests.request({
        origin,
        path: `/workspaces/${id}/activity?type=a2a_receive&limit=100&${after}`,
        method: "GET",
        headers,
      });
      const body = (await res.body.json()) as Row[] | { items: Row[] };
      const rows = Array.isArray(body) ? body : body.items;
      for (const row of rows) {
        cursor = row.id;
        onRow(row);
      }
      if (rows.length === 100) again = true;
    } while (again);
  } finally {
    reading = false;
  }
}

/** Opens the event stream; calls `onInbound` on each inbound `ACTIVITY_LOGGED` event. */
async function openEvents(onInbound: () => void): Promise<void> {
  const res = await streams.request({
    origin,
    path: `/workspaces/${id}/events/stream`,
    method: "GET",
    headers: { ...headers, accept: "text/event-stream" },
  });
  if (res.statusCode !== 200) throw new Error(`event stream: ${res.statusCode}`);
  let buffered = "";
  res.body.setEncoding("utf8");
  res.body.on("data", (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      for (const line of frame.split("\n")) {
        if (!line.startsWith("data:")) continue;
        const event = JSON.parse(line.slice(5)) as {
          type?: string;
          data?: { activity_type?: string };
        };
        if (event.type === "ACTIVITY_LOGGED" && event.data?.activity_type === "a2a_receive")
          onInbound();
      }
    }
  });
  res.body.on("error", () => undefined);
}

const registered = await requests.request({
  origin,
  path: "/registry/register",
  method: "POST",
  headers,
  body: JSON.stringify({
    id,
    agent_card: { name: `${who}-${role}`, skills: [] },
    delivery_mode: "poll",
  }),
});
await registered.body.text();
if (registered.statusCode >= 300) throw new Error(`register: ${registered.statusCode}`);

/** The asker's calls awaiting an answer, by the question's messageId. */
const awaiting = new Map<string, (text: string) => void>();
const onRow =
  role === "asker"
    ? (row: Row) => {
        const m = row.request_body?.params?.message;
        const to = m?.metadata?.molecule_in_reply_to;
        if (typeof to === "string") awaiting.get(to)?.(m?.parts[0]?.text ?? "");
      }
    : (row: Row) => {
        const m = row.request_body?.params?.message;
        const to = row.source_id;
        if (!m || !to) return;
        // The handler's slot holds while the answer is produced, the reply's while it is sent.
        void handlers
          .run(async () => `answer:${m.parts[0]?.text ?? ""}`)
          .then((text) =>
            replies.run(() =>
              send(to, {
                role: "agent",
                messageId: randomUUID(),
                ...(m.contextId ? { contextId: m.contextId } : {}),
                parts: [{ kind: "text", text }],
                metadata: { molecule_in_reply_to: m.messageId },
              }),
            ),
          )
          .catch((err: unknown) => process.stderr.write(`${who}: reply failed: ${String(err)}\n`));
      };
await openEvents(() => void readInbox(onRow).catch(() => undefined));
await readInbox(onRow);

/** Asks `question` and resolves with the answer's text, or `undefined` after 30 s. */
async function ask(question: string): Promise<string | undefined> {
  const messageId = randomUUID();
  const answered = new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 30_000);
    awaiting.set(messageId, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  try {
    await send(peer, { role: "user", messageId, parts: [{ kind: "text", text: question }] });
    return await answered;
  } catch {
    return undefined;
  } finally {
    awaiting.delete(messageId);
  }
}

/** BENCH_ROUND_MARKS: as conversation-load-asker.ts, each round's start and end (monotonic µs). */
const marks = process.env.BENCH_ROUND_MARKS;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function round(tag: number, n: number): Promise<{ ms: number[]; failures: number }> {
  const startUs = nowUs();
  let failures = 0;
  const ms = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const q = `r${tag}q${i}`;
      const t0 = performance.now();
      const text = await ask(q);
      const elapsed = performance.now() - t0;
      if (text !== `answer:${q}`) failures++;
      return elapsed;
    }),
  );
  if (marks) appendFileSync(marks, `${JSON.stringify({ round: tag, startUs, endUs: nowUs() })}\n`);
  return { ms, failures };
}

process.on("message", (m: { cpu?: boolean; round?: number; n?: number }) => {
  if (m.cpu) process.send?.({ cpu: process.cpuUsage() });
  if (m.round !== undefined && role === "asker") {
    const tag = m.round;
    void round(tag, m.n ?? 0).then((r) => process.send?.({ round: tag, ...r }));
  }
});
process.once("SIGTERM", () => {
  void Promise.allSettled([requests.destroy(), streams.destroy()]).finally(() => process.exit(0));
});
process.send?.({ ready: true });
