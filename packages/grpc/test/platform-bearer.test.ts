// Attacks on the gRPC binding of a push endpoint (issue #78): the platform never pushes over gRPC,
// so on an endpoint that requires the platform's bearer (createA2AHandler's `platformSecret`, or a
// RemoteAgent's push handler once its platform is known to sign) a gRPC call that changes
// something runs only with `authorization: Bearer <platform_inbound_secret>` in its metadata, the
// same check the endpoint makes over HTTP. A call without it, or with another, ends
// `UNAUTHENTICATED` and runs nothing; while the endpoint does not know the secret yet it ends
// `UNAVAILABLE` with the endpoint's `Retry-After` as the trailing metadata `retry-after`. Real
// gRPC on 127.0.0.1 (startA2AGrpcServer), and the emulator as an August-2026 platform that signs.
import { randomUUID } from "node:crypto";
import { SendMessageRequest, type StreamResponse } from "@a2a-js/sdk";
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  generatePathSecret,
  PlatformClient,
  RemoteAgent,
  type InboundMessage,
} from "@molecule-ai/agent-core";
import { createA2AHandler, type A2AHandler } from "@molecule-ai/agent-core/a2a";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { A2AService, startA2AGrpcServer } from "../src/index.js";

type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;
type Streaming = (req: unknown, md: Metadata) => ClientReadableStream<StreamResponse>;
type A2AClient = Client & Record<string, Unary & Streaming>;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** No bearer, another bearer, another scheme: what a stranger who learned the tenant may send. */
const STRANGERS = [undefined, "Bearer not-the-platform-secret", "Basic c3RyYW5nZXI6eA=="];

/** A gRPC server and client over `handler` (closed after the test). */
async function serve(handler: A2AHandler, pathSecret: string): Promise<A2AClient> {
  const server = await startA2AGrpcServer({ handler, pathSecret });
  cleanups.push(() => server.close());
  const Ctor = makeGenericClientConstructor(A2AService as never, "A2AService");
  const client = new Ctor(server.url, credentials.createInsecure()) as unknown as A2AClient;
  cleanups.push(() => client.close());
  return client;
}

function metadataOf(authorization: string | undefined): Metadata {
  const md = new Metadata();
  if (authorization !== undefined) md.set("authorization", authorization);
  return md;
}

const send = (text: string, tenant: string): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    tenant,
    message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] },
  });

function unary(
  client: A2AClient,
  method: string,
  req: unknown,
  authorization?: string,
): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client[method]!(req, metadataOf(authorization), (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

/** The stream's first message, or its error. */
function streamed(
  client: A2AClient,
  req: unknown,
  authorization?: string,
): Promise<StreamResponse> {
  const stream = client["sendStreamingMessage"]!(req, metadataOf(authorization));
  return new Promise((resolve, reject) => {
    stream.once("data", (d: StreamResponse) => {
      resolve(d);
      stream.cancel();
    });
    stream.once("error", reject);
  });
}

const refusal = (p: Promise<unknown>): Promise<ServiceError> =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: ServiceError) => err,
  );

function textOf(res: unknown): unknown {
  const r = res as { payload?: { value: { parts: { content?: { value: unknown } }[] } } };
  return r.payload?.value.parts[0]?.content?.value;
}

describe("createA2AHandler({ platformSecret }) over gRPC", () => {
  it("refuses a call without the platform's bearer, or with another, UNAUTHENTICATED, and runs nothing; the platform's bearer runs", async () => {
    const pathSecret = generatePathSecret();
    const platformSecret = generatePathSecret();
    const ran: string[] = [];
    const handler = createA2AHandler({
      agentCard: { name: "pushed" },
      pathSecret,
      platformSecret,
      streaming: true,
      onMessage: (m) => {
        const text = m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
        ran.push(text);
        return `ran: ${text}`;
      },
    });
    cleanups.push(() => handler.close());
    const client = await serve(handler, pathSecret);
    for (const auth of STRANGERS) {
      const sent = await refusal(unary(client, "sendMessage", send("sneak", pathSecret), auth));
      expect(sent.code).toBe(Status.UNAUTHENTICATED);
      expect(sent.details).toContain("only the platform may push");
      expect(sent.details).not.toContain(platformSecret);
      const stream = await refusal(streamed(client, send("sneak stream", pathSecret), auth));
      expect(stream.code).toBe(Status.UNAUTHENTICATED);
      const cancel = await refusal(
        unary(client, "cancelTask", { tenant: pathSecret, id: "some-task" }, auth),
      );
      expect(cancel.code).toBe(Status.UNAUTHENTICATED);
    }
    // The platform's bearer does not stand in for the tenant.
    const tenantless = await refusal(
      unary(client, "sendMessage", send("no tenant", "nope"), `Bearer ${platformSecret}`),
    );
    expect(tenantless.code).toBe(Status.UNAUTHENTICATED);
    expect(ran).toEqual([]);

    const ok = await unary(
      client,
      "sendMessage",
      send("the platform", pathSecret),
      `Bearer ${platformSecret}`,
    );
    expect(textOf(ok)).toBe("ran: the platform");
    const first = await streamed(client, send("streamed", pathSecret), `Bearer ${platformSecret}`);
    expect(first.payload?.$case).toBeDefined();
    expect(ran).toEqual(["the platform", "streamed"]);
  });

  it("while the secret is unknown: UNAVAILABLE with the endpoint's Retry-After as trailing metadata retry-after, and runs nothing", async () => {
    const pathSecret = generatePathSecret();
    const platformSecret = generatePathSecret();
    let known: string | undefined;
    const ran: string[] = [];
    const handler = createA2AHandler({
      agentCard: { name: "pushed" },
      pathSecret,
      platformSecret: () => known,
      streaming: true,
      onMessage: (m) => {
        ran.push(m.messageId);
        return "ran";
      },
    });
    cleanups.push(() => handler.close());
    const client = await serve(handler, pathSecret);
    for (const auth of [...STRANGERS, `Bearer ${platformSecret}`]) {
      const sent = await refusal(unary(client, "sendMessage", send("early", pathSecret), auth));
      expect(sent.code).toBe(Status.UNAVAILABLE);
      expect(sent.metadata.get("retry-after")).toEqual(["5"]);
      const stream = await refusal(streamed(client, send("early", pathSecret), auth));
      expect(stream.code).toBe(Status.UNAVAILABLE);
      expect(stream.metadata.get("retry-after")).toEqual(["5"]);
    }
    expect(ran).toEqual([]);
    known = platformSecret;
    const ok = await unary(client, "sendMessage", send("later", pathSecret), `Bearer ${known}`);
    expect(textOf(ok)).toBe("ran");
    const stranger = await refusal(unary(client, "sendMessage", send("later", pathSecret)));
    expect(stranger.code).toBe(Status.UNAUTHENTICATED);
    expect(ran).toHaveLength(1);
  });
});

describe("a RemoteAgent's push handler over gRPC, on a platform that signs its pushes (2026-08)", () => {
  it("before start: UNAVAILABLE + retry-after; once the platform is known to sign: UNAUTHENTICATED without its bearer; the handler runs only with it", async () => {
    const emu = await startEmulator({ compat: "2026-08" });
    cleanups.push(() => emu.close());
    const ws = await emu.admin.createWorkspace({ name: `grpc-${randomUUID()}` });
    const platform = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => platform.close());
    const pathSecret = generatePathSecret();
    const handled: string[] = [];
    const agent = new RemoteAgent({
      client: platform,
      // The app serves the push URL itself (never called here: the platform pushes over HTTP).
      delivery: { mode: "push", server: false, publicUrl: "http://localhost:8080/a2a", pathSecret },
      handler: (m: InboundMessage) => {
        handled.push(m.text);
        return `ran: ${m.text}`;
      },
      logger: {},
    });
    cleanups.push(() => agent.stop());
    const client = await serve(agent.createPushHandler({ basePath: "/a2a" }), pathSecret);

    // Before start: the agent does not know its platform's secret; each call is held, then refused.
    const early = await Promise.all(
      STRANGERS.map((auth) =>
        refusal(unary(client, "sendMessage", send("early", pathSecret), auth)),
      ),
    );
    for (const err of early) {
      expect(err.code).toBe(Status.UNAVAILABLE);
      expect(err.metadata.get("retry-after")).toEqual(["5"]);
    }
    expect(handled).toEqual([]);

    await agent.start();
    const secret = platform.files.inboundSecret;
    expect(secret).toBeTruthy();
    for (const auth of STRANGERS) {
      const sent = await refusal(unary(client, "sendMessage", send("stranger", pathSecret), auth));
      expect(sent.code).toBe(Status.UNAUTHENTICATED);
      expect(sent.details).not.toContain(secret);
      const stream = await refusal(streamed(client, send("stranger", pathSecret), auth));
      expect(stream.code).toBe(Status.UNAUTHENTICATED);
    }
    expect(handled).toEqual([]);

    const ok = await unary(
      client,
      "sendMessage",
      send("the platform", pathSecret),
      `Bearer ${secret}`,
    );
    expect(JSON.stringify(ok)).toContain("ran: the platform");
    expect(handled).toEqual(["the platform"]);
  });
});
