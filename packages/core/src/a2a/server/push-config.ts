// A task's push notification configs (webhooks), read from and written to both dialects: v0.3
// `TaskPushNotificationConfig {taskId, pushNotificationConfig: {id?, url, token?, authentication?:
// {schemes[], credentials?}}}` and v1.0 (a2a.proto at v1.0.1) `{taskId, id?, url, token?,
// authentication?: {scheme, credentials?}}`. Every field a caller sets is bounded here, before
// anything is stored or resolved.
import { randomUUID } from "../../runtime/index.js";
import { MAX_ID_LENGTH } from "../limits.js";
import { checkId, isObj, ShapeError } from "./normalize.js";

type Obj = Record<string, unknown>;

/**
 * One webhook of a task, as the SDK keeps it (`A2ATaskStore.savePushConfig`). Its credentials
 * (`token`, `authentication.credentials`) are sent to the webhook with every notification, never
 * answered to a caller (reading the config back shows neither) and never logged.
 */
export interface TaskPushConfig {
  /** The config's id (the caller's, else a UUID). */
  id: string;
  /** The webhook: an absolute http(s) URL, at most 2,048 characters. */
  url: string;
  /** Sent as `X-A2A-Notification-Token`. */
  token?: string;
  /** Sent as `Authorization: <scheme> <credentials>` (when `credentials` is set). */
  authentication?: { scheme: string; credentials?: string };
  /** The dialect it was set in, and so of its notifications: a v0.3 Task, or a v1.0 `StreamResponse`. */
  version: "0.3" | "1.0";
}

/** Longest webhook URL accepted. */
const MAX_WEBHOOK_URL_LENGTH = 2048;
/** Longest `token` or `credentials` accepted. */
const MAX_SECRET_LENGTH = 4096;
/** Most push configs one task may have. */
export const MAX_PUSH_CONFIGS_PER_TASK = 8;

function bounded(v: unknown, where: string, max: number): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new ShapeError(`${where} must be a string`);
  if (v.length > max) throw new ShapeError(`${where} is longer than ${max} characters`);
  return v;
}

/** The webhook URL of a config, checked for shape (its address is checked by webhook-address.ts). */
function webhookUrl(v: unknown, where: string): string {
  const raw = bounded(v, where, MAX_WEBHOOK_URL_LENGTH);
  if (raw === undefined) throw new ShapeError(`${where} is required`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ShapeError(`${where} must be an absolute http(s) URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ShapeError(`${where} must be an http or https URL`);
  }
  if (u.username !== "" || u.password !== "") {
    throw new ShapeError(`${where} must not carry credentials; use token or authentication`);
  }
  return u.href;
}

/** Reads a config object: v0.3 `PushNotificationConfig` or v1.0 `TaskPushNotificationConfig`. */
export function readPushConfig(
  raw: unknown,
  version: "0.3" | "1.0",
  where: string,
): TaskPushConfig {
  if (!isObj(raw)) throw new ShapeError(`${where} must be an object`);
  const id = bounded(raw["id"], `${where}.id`, MAX_ID_LENGTH) ?? randomUUID();
  const config: TaskPushConfig = { id, url: webhookUrl(raw["url"], `${where}.url`), version };
  const token = bounded(raw["token"], `${where}.token`, MAX_SECRET_LENGTH);
  if (token !== undefined) config.token = token;
  const auth = raw["authentication"];
  if (auth !== undefined && auth !== null) {
    if (!isObj(auth)) throw new ShapeError(`${where}.authentication must be an object`);
    const schemes = auth["schemes"];
    const scheme =
      version === "0.3" && Array.isArray(schemes) ? schemes[0] : (auth["scheme"] ?? schemes);
    const name = bounded(scheme, `${where}.authentication.scheme`, 64);
    if (name === undefined || !/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/.test(name)) {
      throw new ShapeError(
        `${where}.authentication needs an HTTP authentication scheme, e.g. Bearer`,
      );
    }
    const credentials = bounded(
      auth["credentials"],
      `${where}.authentication.credentials`,
      MAX_SECRET_LENGTH,
    );
    if (credentials !== undefined && /[\r\n]/.test(credentials)) {
      throw new ShapeError(`${where}.authentication.credentials must be one line`);
    }
    config.authentication =
      credentials === undefined ? { scheme: name } : { scheme: name, credentials };
  }
  if (token !== undefined && /[\r\n]/.test(token))
    throw new ShapeError(`${where}.token must be one line`);
  return config;
}

/**
 * The config a send carries (`configuration.pushNotificationConfig` in v0.3,
 * `configuration.taskPushNotificationConfig` in v1.0; either name is read), if any.
 */
export function sendPushConfig(
  configuration: unknown,
  version: "0.3" | "1.0",
): TaskPushConfig | undefined {
  if (!isObj(configuration)) return undefined;
  const v1 = configuration["taskPushNotificationConfig"];
  const raw = v1 ?? configuration["pushNotificationConfig"];
  if (raw === undefined || raw === null) return undefined;
  const name = v1 === undefined ? "pushNotificationConfig" : "taskPushNotificationConfig";
  return readPushConfig(raw, version, `params.configuration.${name}`);
}

/** The task id a push-config method names (`taskId`, v0.3 get/list/delete's `id`). */
export function pushTaskId(params: Obj, version: "0.3" | "1.0", op: string): string {
  const raw = op === "set" || version === "1.0" ? params["taskId"] : params["id"];
  const where = op === "set" || version === "1.0" ? "params.taskId" : "params.id";
  if (typeof raw !== "string" || raw === "")
    throw new ShapeError(`${where} must be a non-empty string`);
  checkId(raw, where);
  return raw;
}

/**
 * A config as the caller's dialect writes it (v0.3 nests it under its task), without its secrets:
 * the `token` and `authentication.credentials` are sent to the webhook only, never answered to a
 * caller (who cannot be told from another), the one that set them included.
 */
export function writePushConfig(taskId: string, c: TaskPushConfig, version: "0.3" | "1.0"): Obj {
  const inner: Obj = { id: c.id, url: c.url };
  if (c.authentication !== undefined) {
    const { scheme } = c.authentication;
    inner["authentication"] = version === "0.3" ? { schemes: [scheme] } : { scheme };
  }
  return version === "0.3" ? { taskId, pushNotificationConfig: inner } : { taskId, ...inner };
}
