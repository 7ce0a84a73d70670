// Cancellation of one request or task (a lazily created AbortSignal), the `ctx` handed to
// `onMessage`, and the abort reasons the endpoint uses.
import { MoleculeError } from "../../transport/index.js";
import type { A2AMessage } from "../types.js";
import type { A2AHandlerContext } from "./handler-types.js";

/** A JSON-RPC request id: same value and type as sent. */
export type RequestId = string | number | null;

/** Abort reason of a task canceled with `tasks/cancel` / `CancelTask`. */
export const CANCELED = new MoleculeError("task canceled by the caller (tasks/cancel)", {
  code: "task_canceled",
});
/** Abort reason of a request whose caller goes away before the answer is written (its task runs on). */
export const DISCONNECTED = new MoleculeError("caller disconnected before the answer was written", {
  code: "caller_disconnected",
});
/** Abort reason of everything still running when the handler is closed. */
export const CLOSED = new MoleculeError("A2A handler closed (the agent or server is stopping)", {
  code: "handler_closed",
});

/** Cancellation scope of one request or task; the AbortController is created only when asked for. */
export class Scope {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #attach: ((scope: Scope) => void) | undefined;

  /** `attach` runs once, when the signal is first requested (e.g. to watch for a disconnect). */
  constructor(attach?: (scope: Scope) => void) {
    this.#attach = attach;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
      const attach = this.#attach;
      this.#attach = undefined;
      attach?.(this);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Why it was aborted (`undefined` while it runs). */
  get reason(): unknown {
    return this.#reason;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** The `ctx` passed to `onMessage` (a class, so the lazy `signal` getter lives on the prototype). */
export class RequestContext implements A2AHandlerContext {
  readonly #scope: Scope;
  readonly method: string;
  readonly requestId: RequestId;
  readonly version: "0.3" | "1.0";
  readonly contextId: string;
  readonly taskId: string | undefined;
  readonly history: readonly A2AMessage[];
  readonly extensions: readonly string[];

  constructor(
    scope: Scope,
    method: string,
    requestId: RequestId,
    version: "0.3" | "1.0",
    contextId: string,
    taskId: string | undefined,
    history: readonly A2AMessage[] = [],
    extensions: readonly string[] = [],
  ) {
    this.#scope = scope;
    this.method = method;
    this.requestId = requestId;
    this.version = version;
    this.contextId = contextId;
    this.taskId = taskId;
    this.history = history;
    this.extensions = extensions;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }
}
