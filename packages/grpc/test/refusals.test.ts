// The gRPC binding's refusals and limits over real gRPC on 127.0.0.1 (startA2AGrpcServer), with
// a plain @grpc/grpc-js client of @a2a-js/sdk's service definition: a call without the path
// secret as its tenant runs nothing (UNAUTHENTICATED), a message over the limit is refused
// before it is decoded (RESOURCE_EXHAUSTED), the endpoint's errors arrive as the gRPC statuses
// and ErrorInfo the A2A spec gives, and a caller that cancels its stream leaves its task running
// (A2A v1.0.1 §3.5.2), as a disconnect over HTTP does.
import { SendMessageRequest, TaskState, type StreamResponse, type Task } from "@a2a-js/sdk";
import { decodeErrorInfo, decodeStatus, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { generatePathSecret } from "@molecule-ai/agent-core";
import {
  A2A_ERROR_MAPPINGS,
  createA2AHandler,
  type A2AErrorMapping,
  type A2AHandler,
} from "@molecule-ai/agent-core/a2a";
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AService, startA2AGrpcServer, type A2AGrpcServer } from "../src/index.js";

type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;
type Streaming = (req: unknown, md: Metadata) => ClientReadableStream<StreamResponse>;

const pathSecret = generatePathSecret();
let handler: A2AHandler;
let server: A2AGrpcServer;
let client: Client & Record<string, Unary & Streaming>;
const ran: string[] = [];
/** Releases the held stream's handler; whether its signal was aborted. */
let releaseHold: () => void;
const hold = new Promise<void>((resolve) => (releaseHold = resolve));
let holdAborted = false;

beforeAll(async () => {
  handler = createA2AHandler({
    agentCard: { name: "echo" },
    pathSecret,
    streaming: true,
    pushNotifications: false,
    maxBodyBytes: 64 * 1024,
    onMessage: (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      ran.push(text);
      if (text === "hold") {
        return (async function* () {
          yield "holding";
          ctx.signal.addEventListener("abort", () => (holdAborted = true));
          await hold;
          yield " done";
        })();
      }
      return `echo: ${text}`;
    },
  });
  server = await startA2AGrpcServer({ handler, pathSecret, maxMessageBytes: 32 * 1024 });
  const Ctor = makeGenericClientConstructor(A2AService as never, "A2AService");
  client = new Ctor(server.url, credentials.createInsecure()) as never;
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await handler?.close();
});

const send = (text: string, tenant?: string): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    ...(tenant !== undefined ? { tenant } : {}),
    message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] },
  });

function unary(method: string, req: unknown, metadata = new Metadata()): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client[method]!(req, metadata, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const refusal = (p: Promise<unknown>): Promise<ServiceError> =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: ServiceError) => err,
  );

/** The A2A ErrorInfo reason of a gRPC error (`grpc-status-details-bin`). */
function reasonOf(err: ServiceError): string | undefined {
  const bin = err.metadata?.get(GRPC_STATUS_DETAILS_BIN)[0];
  if (bin === undefined) return undefined;
  const detail = decodeStatus(Buffer.from(bin as Buffer)).details[0];
  return detail === undefined ? undefined : decodeErrorInfo(detail.value).reason;
}

/** The gRPC status and ErrorInfo reason of an A2A error, from its row of the one table. */
const grpcOf = (m: A2AErrorMapping): [number, string] => [Status[m.grpc], m.reason];

describe("the gRPC binding's refusals and limits", () => {
  it("answers a send that carries the path secret as its tenant", async () => {
    const res = (await unary("sendMessage", send("hi", pathSecret))) as {
      payload?: { $case: string; value: { parts: { content?: { value: unknown } }[] } };
    };
    expect(res.payload?.$case).toBe("message");
    expect(res.payload?.value.parts[0]?.content?.value).toBe("echo: hi");
  });

  it("refuses a call without the tenant, or with another, and runs nothing", async () => {
    ran.length = 0;
    for (const tenant of [undefined, "nope", `${pathSecret}x`]) {
      const err = await refusal(unary("sendMessage", send("sneak", tenant)));
      expect(err.code).toBe(Status.UNAUTHENTICATED);
      expect(err.details).not.toContain(pathSecret);
    }
    const err = await refusal(unary("getTask", { tenant: "nope", id: "x" }));
    expect(err.code).toBe(Status.UNAUTHENTICATED);
    expect(ran).toEqual([]);
  });

  it("refuses a message over maxMessageBytes before decoding it, and one over the handler's body limit", async () => {
    ran.length = 0;
    const big = await refusal(unary("sendMessage", send("x".repeat(40 * 1024), pathSecret)));
    expect(big.code).toBe(Status.RESOURCE_EXHAUSTED);
    // Under the gRPC limit, over the handler's 64 KiB once written as proto-JSON (base64 bytes).
    const raw = SendMessageRequest.fromJSON({
      tenant: pathSecret,
      message: {
        messageId: crypto.randomUUID(),
        role: "ROLE_USER",
        parts: [
          { raw: Buffer.alloc(30 * 1024, 7).toString("base64") },
          { raw: Buffer.alloc(30 * 1024, 8).toString("base64") },
        ],
      },
    });
    const json = await refusal(unary("sendMessage", raw));
    expect(json.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(ran).toEqual([]);
  });

  it("maps the endpoint's A2A errors to A2A v1.0.1's gRPC statuses with their ErrorInfo", async () => {
    // Each expected code is its row of the one table (A2A v1.0.1 §5.4): PushNotificationNotSupported,
    // UnsupportedOperation and VersionNotSupported are FAILED_PRECONDITION (v1.0.0: UNIMPLEMENTED).
    const missing = await refusal(unary("getTask", { tenant: pathSecret, id: "no-such-task" }));
    expect([missing.code, reasonOf(missing)]).toEqual(grpcOf(A2A_ERROR_MAPPINGS.TaskNotFound));
    const push = await refusal(
      unary("getTaskPushNotificationConfig", { tenant: pathSecret, taskId: "t", id: "c" }),
    );
    expect([push.code, reasonOf(push)]).toEqual(
      grpcOf(A2A_ERROR_MAPPINGS.PushNotificationNotSupported),
    );
    const card = await refusal(unary("getExtendedAgentCard", { tenant: pathSecret }));
    expect([card.code, reasonOf(card)]).toEqual(grpcOf(A2A_ERROR_MAPPINGS.UnsupportedOperation));
    const future = new Metadata();
    future.set("a2a-version", "99.0");
    const version = await refusal(
      unary("getTask", { tenant: pathSecret, id: "no-such-task" }, future),
    );
    expect([version.code, reasonOf(version)]).toEqual(
      grpcOf(A2A_ERROR_MAPPINGS.VersionNotSupported),
    );
    expect(version.code).toBe(Status.FAILED_PRECONDITION);
    const bad = await refusal(unary("sendMessage", { tenant: pathSecret }));
    expect([bad.code, reasonOf(bad)]).toEqual([Status.INVALID_ARGUMENT, "INVALID_PARAMS"]);
  });

  it("a caller that cancels its stream leaves the task running to its end", async () => {
    const stream = client["sendStreamingMessage"]!(send("hold", pathSecret), new Metadata());
    const first = await new Promise<StreamResponse>((resolve) => stream.once("data", resolve));
    expect(first.payload?.$case).toBe("task");
    const task = (first.payload as { value: Task }).value;
    stream.on("error", () => undefined); // CANCELLED, on the client's side
    const closed = new Promise((resolve) => stream.once("close", resolve));
    stream.cancel();
    await closed;
    releaseHold();
    const after = await waitFor(async () => {
      const t = (await unary("getTask", { tenant: pathSecret, id: task.id })) as Task;
      return t.status?.state === TaskState.TASK_STATE_WORKING ? undefined : t;
    });
    expect(after.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(holdAborted).toBe(false);
  });
});
