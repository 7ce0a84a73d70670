import { Inject } from "@nestjs/common";
import { DiscoveryService } from "@nestjs/core";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { PeerHandlerConfigError } from "@molecule-ai/agent-core/adapters";
import type { PeerMessageFilter } from "@molecule-ai/agent-core/adapters";

/** Options of the {@link PeerAgent} class marker. */
export interface PeerAgentOptions {
  /** A label for this handler class in logs and start-up errors (default: the class name). */
  name?: string;
}

/**
 * Marks a provider or controller whose methods answer inbound messages with
 * {@link OnPeerMessage}. The class must be a singleton (the default scope).
 *
 * @example
 * ```ts
 * @PeerAgent()
 * @Injectable()
 * export class BillingAgent {
 *   @OnPeerMessage()
 *   answer(msg: InboundMessage) { return `got: ${msg.text}`; }
 * }
 * ```
 */
export const PeerAgent = DiscoveryService.createDecorator<PeerAgentOptions>();

/** Reflect-metadata key under which {@link OnPeerMessage} stores its filters on the method. */
const PEER_MESSAGE_HANDLER_METADATA = "molecule:peer-message-handler";

/** What an {@link OnPeerMessage} method returns: the reply text, or nothing (no reply). */
export type PeerReply = string | undefined | void;

/**
 * A method {@link OnPeerMessage} accepts: its result (or the promise of it) is a {@link PeerReply}.
 * A method typed to return a number or an object does not type-check: reply with text
 * (`JSON.stringify(...)` for data).
 */
export type PeerMessageMethod = (...args: never[]) => PeerReply | PromiseLike<PeerReply>;

/** The decorator {@link OnPeerMessage} returns: a method decorator for {@link PeerMessageMethod}s. */
export type PeerMessageDecorator = <M extends PeerMessageMethod>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => TypedPropertyDescriptor<M>;

/**
 * Makes a method of a {@link PeerAgent} class answer inbound messages. The method receives the
 * `InboundMessage`, the handler context (`signal`, `client`, `attempt`, `logger`) and the
 * message's files (`InboundFile[]`, `[]` when none: e.g. a canvas upload, with its safe `name`,
 * `mediaType`, `size` and `bytes()`); its return value (a string, or a promise of one) is the
 * reply. Returning nothing sends no reply. A method typed to return anything else (a number, an
 * object) is a type error; at run time a number or a boolean is sent as text and an object fails
 * the message (`PeerReplyTypeError`, dead-lettered).
 *
 * With several handlers the most specific matching filter wins (`from` > `source` > no filter);
 * handlers whose filters overlap at the same specificity are rejected at start-up. A method may
 * carry several `@OnPeerMessage()` decorators.
 */
export function OnPeerMessage(filter: PeerMessageFilter = {}): PeerMessageDecorator {
  return (_target, _key, descriptor) => {
    const method: unknown = descriptor.value;
    if (typeof method !== "function") {
      throw new PeerHandlerConfigError(
        "invalid_filter",
        "@OnPeerMessage() decorates methods only.",
      );
    }
    const existing: PeerMessageFilter[] =
      Reflect.getMetadata(PEER_MESSAGE_HANDLER_METADATA, method) ?? [];
    Reflect.defineMetadata(PEER_MESSAGE_HANDLER_METADATA, [...existing, { ...filter }], method);
    return descriptor;
  };
}

/** Reads the filters {@link OnPeerMessage} stored on a method (empty when undecorated). */
export function getPeerMessageFilters(method: unknown): readonly PeerMessageFilter[] {
  const filters: unknown =
    typeof method === "function" && Reflect.getMetadata(PEER_MESSAGE_HANDLER_METADATA, method);
  return Array.isArray(filters) ? filters : [];
}

/** Reflect-metadata key under which {@link OnApprovalEscalated} marks a method. */
const APPROVAL_ESCALATED_METADATA = "molecule:approval-escalated";

/**
 * Calls the method with each `approvalEscalated` event of the module's agent: a direct child
 * workspace asked a person for approval (its id, the child, its words as neutralised peer text).
 * Notify someone or add context; this workspace's token cannot decide it. On a method of any
 * singleton provider; with at least one, the agent reads its event stream for escalations. A
 * rejection is logged.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Escalations {
 *   @OnApprovalEscalated()
 *   notify(e: AgentEventMap["approvalEscalated"]) { console.log(`${e.fromWorkspaceId}: ${e.action}`); }
 * }
 * ```
 */
export function OnApprovalEscalated(): MethodDecorator {
  return (_target, _key, descriptor) => {
    if (typeof descriptor.value !== "function")
      throw new PeerHandlerConfigError(
        "invalid_filter",
        "@OnApprovalEscalated() decorates methods only.",
      );
    Reflect.defineMetadata(APPROVAL_ESCALATED_METADATA, true, descriptor.value);
    return descriptor;
  };
}

/** Whether {@link OnApprovalEscalated} marks `method`. */
export function isApprovalEscalatedHandler(method: unknown): boolean {
  return (
    typeof method === "function" &&
    Reflect.getMetadata(APPROVAL_ESCALATED_METADATA, method) === true
  );
}

/** Injects the module's `PlatformClient` (the same as injecting the `PlatformClient` class). */
export function InjectPlatformClient(): PropertyDecorator & ParameterDecorator {
  return Inject(PlatformClient);
}

/** Injects the module's `RemoteAgent` (the same as injecting the `RemoteAgent` class). */
export function InjectRemoteAgent(): PropertyDecorator & ParameterDecorator {
  return Inject(RemoteAgent);
}
