// Push notifications as the endpoint sees them: the `pushNotifications` option (checked), and a
// facade over the config methods (push-config-methods.ts) and the delivery (push-notifier.ts)
// that loads them on first use, so an agent that never meets a webhook never loads them. Each
// stored change of a task looks its webhooks up in the task store and, when it has some, queues
// its state for them (in the background: the task never waits).
import { MoleculeOptionError } from "../../transport/index.js";
import type { A2ATask } from "../types.js";
import { A2AErrorCode } from "./errors.js";
import type { PushNotificationOptions } from "./handler-types.js";
import { ShapeError } from "./normalize.js";
import { rpcError, type CallId, type Outcome } from "./outcome.js";
import type { TaskPushConfig } from "./push-config.js";
import type { PushConfigMethods, PushConfigStore } from "./push-config-methods.js";
import type { PushDeliveryOptions, PushNotifier } from "./push-notifier.js";
import type { A2ATaskStore } from "./store.js";
import { isThenable } from "./task-results.js";
import type { WebhookAddressPolicy } from "./webhook-address.js";

/** Whether a task store keeps push notification configs. */
export function keepsPushConfigs(store: A2ATaskStore): store is PushConfigStore {
  return (
    typeof store.savePushConfig === "function" &&
    typeof store.pushConfigs === "function" &&
    typeof store.deletePushConfig === "function"
  );
}

/** A positive integer option, or its default. */
function positive(name: keyof PushNotificationOptions, value: unknown, def: number): number {
  const v = value ?? def;
  if (!Number.isSafeInteger(v) || (v as number) < 1) {
    throw new MoleculeOptionError(
      `pushNotifications.${name}`,
      `createA2AHandler: pushNotifications.${name} must be a positive integer (got ${String(v)}).`,
    );
  }
  return v as number;
}

/**
 * How webhooks are called, or `undefined` when push notifications are off: `false`, or left unset
 * with a task store that keeps no push configs (asking for them with such a store is an error).
 */
export function pushDeliveryOf(
  option: boolean | PushNotificationOptions | undefined,
  storeKeepsConfigs: boolean,
): PushDeliveryOptions | undefined {
  if (option === false) return undefined;
  if (!storeKeepsConfigs) {
    if (option === undefined) return undefined;
    throw new MoleculeOptionError(
      "pushNotifications",
      "createA2AHandler: pushNotifications needs a task store that keeps push configs (savePushConfig, pushConfigs, deletePushConfig): the default in-memory store, fileStore's or @molecule-ai/postgres's.",
    );
  }
  const o = typeof option === "object" && option !== null ? option : {};
  const policy: WebhookAddressPolicy = o.allowAddresses ?? "public";
  if (policy !== "public" && policy !== "private" && typeof policy !== "function") {
    throw new MoleculeOptionError(
      "pushNotifications.allowAddresses",
      'createA2AHandler: pushNotifications.allowAddresses must be "public", "private" or a function (address, kind) => boolean.',
    );
  }
  return {
    policy,
    maxAttempts: positive("maxAttempts", o.maxAttempts, 5),
    retryDelayMs: positive("retryDelayMs", o.retryDelayMs, 1000),
    timeoutMs: positive("timeoutMs", o.timeoutMs, 10_000),
  };
}

type Report = (err: unknown, method: string, requestId: CallId) => void;
type Op = "set" | "get" | "list" | "delete";

/** See the file comment. */
export class PushNotifications {
  readonly #store: PushConfigStore;
  readonly #workspaceId: string;
  readonly #delivery: PushDeliveryOptions;
  readonly #report: Report;
  #methods: Promise<PushConfigMethods> | undefined;
  #notifier: Promise<PushNotifier> | undefined;
  #closed = false;

  constructor(
    store: PushConfigStore,
    workspaceId: string,
    delivery: PushDeliveryOptions,
    report: Report,
  ) {
    this.#store = store;
    this.#workspaceId = workspaceId;
    this.#delivery = delivery;
    this.#report = report;
  }

  /** The config methods, by name (their parameter errors are `-32602`). */
  call(
    op: Op,
    id: CallId,
    version: "0.3" | "1.0",
    params: Record<string, unknown>,
  ): Promise<Outcome> {
    this.#methods ??= import("./push-config-methods.js").then(
      (m) =>
        new m.PushConfigMethods({
          store: this.#store,
          workspaceId: this.#workspaceId,
          policy: this.#delivery.policy,
          report: this.#report,
        }),
    );
    return this.#methods
      .then((m) => m[op](id, version, params))
      .catch((err: unknown) => {
        if (!(err instanceof ShapeError)) throw err;
        return rpcError(id, A2AErrorCode.InvalidParams, `Invalid params: ${err.message}`);
      });
  }

  /** Why a send's webhook is refused (its address), or `undefined`. */
  async check(config: TaskPushConfig): Promise<string | undefined> {
    const m = await import("./push-config-methods.js");
    return await m.pushConfigRefusal(
      config,
      "the push notification config's url",
      this.#delivery.policy,
    );
  }

  /** Keeps a (checked) webhook with its stored task. */
  async attach(task: A2ATask, config: TaskPushConfig): Promise<void> {
    await this.#store.savePushConfig(task.id, this.#workspaceId, config);
  }

  /** A task was stored: its state goes to its webhooks, if it has any. Never throws or waits. */
  notify(task: A2ATask): void {
    if (this.#closed) return;
    const snapshot: A2ATask = { ...task, status: { ...task.status } };
    delete snapshot.history;
    const report = (err: unknown): void => this.#report(err, "push notification", null);
    const send = (configs: TaskPushConfig[]): void => {
      if (configs.length === 0 || this.#closed) return;
      this.#notifier ??= import("./push-notifier.js").then(
        (m) => new m.PushNotifier(this.#delivery, report),
      );
      this.#notifier.then((n) => n.deliver(snapshot, configs), report);
    };
    try {
      const configs = this.#store.pushConfigs(task.id, this.#workspaceId);
      if (isThenable(configs)) configs.then(send, report);
      else send(configs);
    } catch (err) {
      report(err);
    }
  }

  /** Stops delivering (pending states are dropped, requests in flight aborted). */
  async close(): Promise<void> {
    this.#closed = true;
    await (await this.#notifier)?.close();
  }
}
