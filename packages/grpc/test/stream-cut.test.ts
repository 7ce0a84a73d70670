// A task lives until it ends or is canceled, never because a stream closed (issue #112, A2A
// v1.0.1 §3.5.2), over gRPC: a TCP proxy resets a `SendStreamingMessage` call mid-task (the whole
// HTTP/2 connection: once, seven times, and with an outage that refuses connections for a while);
// the task runs on, and `SubscribeToTask` after each cut gets what the caller missed, so it reads
// every chunk once, in order, and the final state `completed`. (RemoteA2AAgent does not stream
// over gRPC: a plain @grpc/grpc-js client of @a2a-js/sdk's service definition reads here.) The
// handler makes each chunk only when the test lets it, and the test cuts once it has read a given
// chunk: every wait is on an event.
import { SendMessageRequest, TaskState, type StreamResponse, type Task } from "@a2a-js/sdk";
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { cutAndGoOn, cuttingProxy, Pacer } from "@internal/test-utils";
import { generatePathSecret } from "@molecule-ai/agent-core";
import { createA2AHandler } from "@molecule-ai/agent-core/a2a";
import { afterEach, describe, expect, it } from "vitest";
import { A2AService, startA2AGrpcServer } from "../src/index.js";

type Streaming = (req: unknown, md: Metadata) => ClientReadableStream<StreamResponse>;
type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: ServiceError | null, res: Task) => void,
) => void;

const CHUNKS = 20;
const chunk = (i: number): string => `c${i} `;
const ALL = Array.from({ length: CHUNKS }, (_, i) => chunk(i)).join("");

const closers: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
});

/** Core's A2A server over gRPC, behind a cutting proxy, and a client that calls it through it. */
async function rig(pacer: Pacer) {
  const pathSecret = generatePathSecret();
  const handler = createA2AHandler({
    agentCard: { name: "chunks" },
    pathSecret,
    streaming: true,
    onMessage: async function* () {
      for (let i = 0; i < CHUNKS; i++) {
        await pacer.until(i);
        yield chunk(i);
      }
    },
  });
  const server = await startA2AGrpcServer({ handler, pathSecret });
  closers.push(() => handler.close());
  closers.push(() => server.close());
  const proxy = await cuttingProxy(server.url);
  closers.push(() => proxy.close());
  const Ctor = makeGenericClientConstructor(A2AService as never, "A2AService");
  const client = new Ctor(proxy.address, credentials.createInsecure()) as Client &
    Record<string, Streaming & Unary>;
  closers.push(() => client.close());
  return { pathSecret, proxy, client };
}

/** What the caller has read: the text, the last state, the task. */
interface Read {
  text: string;
  state: TaskState | undefined;
  taskId: string | undefined;
}

/** A task snapshot: its text replaces what the caller has when it extends it. */
function readSnapshot(task: Task, read: Read): void {
  read.taskId = task.id;
  read.state = task.status?.state;
  const had = task.artifacts[0]?.parts.map((x) => x.content?.value ?? "").join("") ?? "";
  if (had.startsWith(read.text)) read.text = had;
}

/**
 * Reads one call's events into `read` (a task snapshot's text replaces what it extends, an
 * appended chunk adds to it) and calls `onText` after each; resolves when the call ends (its
 * error, if any: a cut).
 */
function readCall(
  call: ClientReadableStream<StreamResponse>,
  read: Read,
  onText: () => void,
): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    call.on("data", (e: StreamResponse) => {
      const p = e.payload;
      if (p?.$case === "task") readSnapshot(p.value, read);
      else if (p?.$case === "artifactUpdate") {
        const t = p.value.artifact?.parts.map((x) => x.content?.value ?? "").join("") ?? "";
        read.text = p.value.append ? read.text + t : t;
      } else if (p?.$case === "statusUpdate") {
        read.state = p.value.status?.state;
      }
      onText();
    });
    call.on("error", (err: ServiceError) => resolve(err));
    call.on("end", () => resolve(undefined));
  });
}

const SCENARIOS: Array<[string, { after: number[]; outage?: boolean }]> = [
  ["cut once", { after: [4] }],
  ["cut seven times", { after: [1, 3, 5, 7, 9, 11, 13] }],
  ["cut, then an outage", { after: [4], outage: true }],
];

const FINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_FAILED,
]);

describe("a gRPC stream cut mid-task", () => {
  it.each(SCENARIOS)("%s: every chunk once, in order, and `completed`", async (_s, cuts) => {
    const pacer = new Pacer();
    const { pathSecret, proxy, client } = await rig(pacer);
    const after = [...cuts.after];
    pacer.allow(after[0]! + 1);
    const read: Read = { text: "", state: undefined, taskId: undefined };
    const onText = (): void => {
      const next = after[0];
      if (next === undefined || !read.text.includes(chunk(next))) return;
      after.shift();
      cutAndGoOn(proxy, pacer, next, (after[0] ?? CHUNKS - 1) + 1, cuts.outage);
    };
    const request = SendMessageRequest.fromJSON({
      tenant: pathSecret,
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "go" }] },
    });
    let err = await readCall(
      client["sendStreamingMessage"]!(request, new Metadata()),
      read,
      onText,
    );
    let calls = 1;
    const byId = { tenant: pathSecret, id: read.taskId };
    while (!FINAL.has(read.state!)) {
      calls++;
      if (err?.code === Status.FAILED_PRECONDITION) {
        // Finished while the caller was away: SubscribeToTask refuses it, GetTask reads it.
        const task = await new Promise<Task>((resolve, reject) =>
          client["getTask"]!(byId, new Metadata(), (e: ServiceError | null, t: Task) =>
            e ? reject(e) : resolve(t),
          ),
        );
        readSnapshot(task, read);
        continue;
      }
      expect(err?.code).toBe(Status.UNAVAILABLE); // a cut, never a clean end
      // The channel reconnects by itself; a call while it cannot fails at once: pause a little.
      await new Promise((r) => setTimeout(r, 50));
      err = await readCall(client["subscribeToTask"]!(byId, new Metadata()), read, onText);
    }
    expect(read.text).toBe(ALL);
    expect(read.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(calls).toBeGreaterThan(cuts.after.length);
  });
});
