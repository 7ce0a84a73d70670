// The push notification config methods, in both dialects: v0.3 `tasks/pushNotificationConfig/
// {set,get,list,delete}` and v1.0 `{Create,Get,List,Delete}TaskPushNotificationConfig(s)` (also
// over HTTP+JSON). A config is kept with its task in the task store, for the endpoint's workspace
// only: another workspace's task is answered as an unknown one (TaskNotFound). A webhook whose
// address is refused (webhook-address.ts) is refused when it is set (`-32602`).
import { A2AErrorCode } from "./errors.js";
import { isObj, ShapeError } from "./normalize.js";
import { rpcError, rpcResult, type CallId, type Outcome } from "./outcome.js";
import {
  MAX_PUSH_CONFIGS_PER_TASK,
  pushTaskId,
  readPushConfig,
  writePushConfig,
  type TaskPushConfig,
} from "./push-config.js";
import type { A2ATaskStore } from "./store.js";
import { storeError } from "./task-queries.js";
import { addressAllowed, webhookRefusal, type WebhookAddressPolicy } from "./webhook-address.js";

type Obj = Record<string, unknown>;
type Version = "0.3" | "1.0";

/** A store that keeps push notification configs. */
export type PushConfigStore = A2ATaskStore &
  Required<Pick<A2ATaskStore, "savePushConfig" | "pushConfigs" | "deletePushConfig">>;

/** What the methods need. */
export interface PushConfigMethodOptions {
  store: PushConfigStore;
  workspaceId: string;
  /** Which webhook addresses may be called. */
  policy: WebhookAddressPolicy;
  report: (err: unknown, method: string, requestId: CallId) => void;
}

/**
 * Checks a webhook config (shape was checked when read): its address, and room on the task.
 * `undefined` when it may be stored, else the JSON-RPC error message.
 */
export async function pushConfigRefusal(
  config: TaskPushConfig,
  where: string,
  policy: WebhookAddressPolicy,
): Promise<string | undefined> {
  const why = await webhookRefusal(config.url, addressAllowed(policy));
  if (why === undefined) return undefined;
  return `Invalid params: ${where} is refused: ${why}; a webhook must be a public address (an agent served by createA2AHandler or startA2AServer allows others with its pushNotifications.allowAddresses option; a RemoteAgent's push delivery cannot)`;
}

/** See the file comment. */
export class PushConfigMethods {
  readonly #o: PushConfigMethodOptions;

  constructor(options: PushConfigMethodOptions) {
    this.#o = options;
  }

  set(id: CallId, version: Version, params: Obj): Promise<Outcome> {
    const taskId = pushTaskId(params, version, "set");
    const nested = params["pushNotificationConfig"];
    const where = isObj(nested) ? "params.pushNotificationConfig" : "params";
    const config = readPushConfig(isObj(nested) ? nested : params, version, where);
    return this.#run(id, "pushNotificationConfig/set", async () => {
      const refusal = await pushConfigRefusal(config, `${where}.url`, this.#o.policy);
      if (refusal !== undefined) return rpcError(id, A2AErrorCode.InvalidParams, refusal);
      const { store, workspaceId } = this.#o;
      const existing = await store.pushConfigs(taskId, workspaceId);
      if (
        existing.length >= MAX_PUSH_CONFIGS_PER_TASK &&
        !existing.some((c) => c.id === config.id)
      ) {
        return rpcError(
          id,
          A2AErrorCode.InvalidParams,
          `Invalid params: task ${taskId} has ${MAX_PUSH_CONFIGS_PER_TASK} push notification configs already (the limit); delete one first`,
        );
      }
      if (!(await store.savePushConfig(taskId, workspaceId, config))) return notFound(id);
      return { status: 200, body: rpcResult(id, writePushConfig(taskId, config, version)) };
    });
  }

  get(id: CallId, version: Version, params: Obj): Promise<Outcome> {
    const taskId = pushTaskId(params, version, "get");
    const configId = configIdOf(params, version, false);
    return this.#run(id, "pushNotificationConfig/get", async () => {
      const configs = await this.#configsOf(taskId);
      const config = configs?.find((c) => configId === undefined || c.id === configId);
      if (config === undefined) return notFound(id);
      return { status: 200, body: rpcResult(id, writePushConfig(taskId, config, version)) };
    });
  }

  list(id: CallId, version: Version, params: Obj): Promise<Outcome> {
    const taskId = pushTaskId(params, version, "list");
    return this.#run(id, "pushNotificationConfig/list", async () => {
      const configs = await this.#configsOf(taskId);
      if (configs === undefined) return notFound(id);
      const written = configs.map((c) => writePushConfig(taskId, c, version));
      const result = version === "0.3" ? written : { configs: written, nextPageToken: "" };
      return { status: 200, body: rpcResult(id, result) };
    });
  }

  delete(id: CallId, version: Version, params: Obj): Promise<Outcome> {
    const taskId = pushTaskId(params, version, "delete");
    const configId = configIdOf(params, version, true)!;
    return this.#run(id, "pushNotificationConfig/delete", async () => {
      if ((await this.#configsOf(taskId)) === undefined) return notFound(id);
      await this.#o.store.deletePushConfig(taskId, this.#o.workspaceId, configId);
      return { status: 200, body: rpcResult(id, version === "0.3" ? null : {}) };
    });
  }

  /** The configs of a task of this workspace; `undefined` when there is no such task. */
  async #configsOf(taskId: string): Promise<TaskPushConfig[] | undefined> {
    const { store, workspaceId } = this.#o;
    if ((await store.get(taskId, workspaceId)) === undefined) return undefined;
    return await store.pushConfigs(taskId, workspaceId);
  }

  async #run(id: CallId, method: string, fn: () => Promise<Outcome>): Promise<Outcome> {
    try {
      return await fn();
    } catch (err) {
      return storeError(id, method, err, this.#o.report);
    }
  }
}

function notFound(id: CallId): Outcome {
  return rpcError(id, A2AErrorCode.TaskNotFound, "Task or push notification config not found");
}

/** The config id a get or delete names (v0.3 `pushNotificationConfigId`, v1.0 `id`). */
function configIdOf(params: Obj, version: Version, required: boolean): string | undefined {
  const key = version === "0.3" ? "pushNotificationConfigId" : "id";
  const v = params[key];
  if (v === undefined || v === null || v === "") {
    // v0.3 without an id: the config named after the task, as @a2a-js/sdk reads it.
    if (version === "0.3") return required ? String(params["id"]) : undefined;
    throw new ShapeError(`params.${key} must be a non-empty string`);
  }
  if (typeof v !== "string") throw new ShapeError(`params.${key} must be a string`);
  return v;
}
