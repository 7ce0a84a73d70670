// The gRPC client of `RemoteA2AAgent` (its `grpc` option, @molecule-ai/agent-core/a2a): each call
// one unary RPC of the A2A service (@a2a-js/sdk's definition, as the server's), made with
// @grpc/grpc-js on a channel per pinned address, authority, TLS and bound, kept until `close`.
// RemoteA2AAgent decides where to call (the address its address rule allowed), with which
// credentials (those of the schemes the card declares, as metadata) and within which bounds (the
// largest answer message, the deadline); this file carries the call and reads its status.
import { credentials, Client, Metadata, status as Status } from "@grpc/grpc-js";
import type { ChannelCredentials, ServiceError } from "@grpc/grpc-js";
import {
  CancelTaskRequest,
  GetTaskRequest,
  SendMessageRequest,
  SendMessageResponse,
  Task,
} from "@a2a-js/sdk";
import { decodeErrorInfo, decodeStatus, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";
import { A2AService } from "@a2a-js/sdk/server/grpc";
import { MoleculeError } from "@molecule-ai/agent-core";
import type { A2AGrpcAnswer, A2AGrpcCall, A2AGrpcTransport } from "@molecule-ai/agent-core/a2a";

/** Options of {@link a2aGrpcTransport}. */
export interface A2AGrpcTransportOptions {
  /**
   * The credentials of a call over TLS (an agent whose URL is `https:`); default
   * `credentials.createSsl()` (the system's root certificates). Plaintext calls take none.
   */
  tlsCredentials?: ChannelCredentials | undefined;
}

/** One RPC: its definition and the proto-JSON codecs of its request and answer. */
interface Rpc {
  def: {
    path: string;
    requestSerialize: (value: never) => Buffer;
    responseDeserialize: (value: Buffer) => unknown;
  };
  req: { fromJSON(object: unknown): unknown };
  res: { toJSON(message: never): unknown };
}

const RPCS: Record<A2AGrpcCall["method"], Rpc> = {
  SendMessage: { def: A2AService.sendMessage, req: SendMessageRequest, res: SendMessageResponse },
  GetTask: { def: A2AService.getTask, req: GetTaskRequest, res: Task },
  CancelTask: { def: A2AService.cancelTask, req: CancelTaskRequest, res: Task },
};

const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";

/**
 * A gRPC client for `RemoteA2AAgent`'s `grpc` option: an agent whose card offers the A2A v1.0
 * gRPC binding (and neither JSON-RPC nor HTTP+JSON) is then called over gRPC, with the same card
 * verification, declared-scheme credentials (as metadata), address rule and answer bound. One
 * transport may serve many agents; `close()` it when done (`agent.close()` does not).
 *
 * @example
 * const grpc = a2aGrpcTransport();
 * const agent = new RemoteA2AAgent({ url: "https://agents.example.com", grpc });
 * const answer = await agent.send("What is the weather in Paris?");
 * await grpc.close();
 */
export function a2aGrpcTransport(options: A2AGrpcTransportOptions = {}): A2AGrpcTransport {
  const clients = new Map<string, Client>();
  const clientOf = (c: A2AGrpcCall): Client => {
    const key = JSON.stringify([c.target, c.authority, c.tls, c.maxBytes, c.userAgent]);
    let client = clients.get(key);
    if (client === undefined) {
      const host = c.authority.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
      client = new Client(
        c.target,
        c.tls ? (options.tlsCredentials ?? credentials.createSsl()) : credentials.createInsecure(),
        {
          // Connect to the pinned address, but name (and, over TLS, verify) the agent's host.
          "grpc.default_authority": c.authority,
          ...(c.tls ? { "grpc.ssl_target_name_override": host } : {}),
          "grpc.max_receive_message_length": c.maxBytes,
          "grpc.primary_user_agent": c.userAgent,
          "grpc.service_config_disable_resolution": 1,
        },
      );
      clients.set(key, client);
    }
    return client;
  };
  return {
    async call(c: A2AGrpcCall): Promise<A2AGrpcAnswer> {
      const rpc = RPCS[c.method];
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(c.metadata)) {
        // gRPC metadata keys are narrower than HTTP header names (a card's API key header).
        if (!/^[0-9a-z_.-]+$/.test(k) || k.endsWith("-bin")) {
          throw new MoleculeError(
            `the agent card's credential header ${JSON.stringify(k)} is not a gRPC metadata key; the credential cannot be sent over gRPC`,
            { code: "invalid_argument", retryable: false },
          );
        }
        metadata.set(k, v);
      }
      const request = rpc.req.fromJSON(c.request);
      return new Promise<A2AGrpcAnswer>((resolve) => {
        const onAbort = (): void => call.cancel();
        const call = clientOf(c).makeUnaryRequest(
          rpc.def.path,
          rpc.def.requestSerialize as (value: unknown) => Buffer,
          rpc.def.responseDeserialize,
          request,
          metadata,
          { deadline: Date.now() + c.timeoutMs },
          (err, value) => {
            c.signal?.removeEventListener("abort", onAbort);
            resolve(err ? failure(err) : { ok: true, body: rpc.res.toJSON(value as never) });
          },
        );
        c.signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    async close(): Promise<void> {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}

/** The status a call ended with, its A2A `ErrorInfo` (from `grpc-status-details-bin`) read. */
function failure(err: ServiceError): A2AGrpcAnswer {
  const details: unknown[] = [];
  const bin = err.metadata?.get(GRPC_STATUS_DETAILS_BIN)[0];
  if (Buffer.isBuffer(bin)) {
    try {
      for (const any of decodeStatus(bin).details) {
        if (any.typeUrl === ERROR_INFO)
          details.push({ "@type": ERROR_INFO, ...decodeErrorInfo(any.value) });
      }
    } catch {
      // undecodable details: the status alone says what happened
    }
  }
  return {
    ok: false,
    code: err.code,
    message: err.details,
    details,
    // grpc-js ends a call whose answer is above grpc.max_receive_message_length so.
    tooLarge: err.code === Status.RESOURCE_EXHAUSTED && /larger than max/i.test(err.details),
  };
}
