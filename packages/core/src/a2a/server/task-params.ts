// The parameters of the task methods, checked: a task id (`tasks/get`, `GetTask`, ...), a bounded
// `historyLength`, and the v1.0 `ListTasks` request (filters, page) with the shape of its result.
import { MAX_HISTORY_LENGTH } from "../limits.js";
import { taskToV1 } from "../to-v1.js";
import type { A2ATaskState } from "../types.js";
import { checkId, ShapeError } from "./normalize.js";
import type { TaskListPage, TaskListQuery } from "./store.js";
import { withHistory } from "./task-results.js";

type Obj = Record<string, unknown>;

/** The task id of `tasks/get` (`params.id`) or `GetTask` (`params.name` = `tasks/<id>`). */
export function taskIdOf(params: Obj): string {
  const tid = params["id"];
  const name = params["name"];
  const id =
    typeof tid === "string" && tid !== ""
      ? tid
      : typeof name === "string" && name.startsWith("tasks/")
        ? name.slice(6)
        : undefined;
  if (id === undefined || id === "") throw new ShapeError("params.id must be a non-empty string");
  checkId(id, "params.id");
  return id;
}

/**
 * `historyLength` of `params`: absent, or a non-negative integer. The spec sets no upper bound, so a
 * larger one is clamped to {@link MAX_HISTORY_LENGTH} (an answer never holds more than is stored).
 */
export function historyLengthOf(params: Obj, where: string): number | undefined {
  const v = params["historyLength"];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new ShapeError(`${where} must be a non-negative integer`);
  }
  return Math.min(v, MAX_HISTORY_LENGTH);
}

const V1_STATES: Record<string, A2ATaskState> = {
  TASK_STATE_SUBMITTED: "submitted",
  TASK_STATE_WORKING: "working",
  TASK_STATE_INPUT_REQUIRED: "input-required",
  TASK_STATE_COMPLETED: "completed",
  TASK_STATE_CANCELED: "canceled",
  TASK_STATE_FAILED: "failed",
  TASK_STATE_REJECTED: "rejected",
  TASK_STATE_AUTH_REQUIRED: "auth-required",
};

/** A page token as every store issues them (see {@link TaskListPage.nextPageToken}). */
const PAGE_TOKEN = /^\d{1,19}$/;
/** An RFC 3339 timestamp (what v1.0 proto-JSON gives a `google.protobuf.Timestamp`). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** The checked filters and page of a `ListTasks` request (v1.0 `ListTasksRequest`). */
function listQueryOf(params: Obj): TaskListQuery {
  const pageSize = params["pageSize"] ?? 50;
  if (
    typeof pageSize !== "number" ||
    !Number.isInteger(pageSize) ||
    pageSize < 1 ||
    pageSize > 100
  ) {
    throw new ShapeError("params.pageSize must be an integer from 1 to 100");
  }
  const query: TaskListQuery = { pageSize };
  const contextId = params["contextId"];
  if (contextId !== undefined && contextId !== null && contextId !== "") {
    if (typeof contextId !== "string") throw new ShapeError("params.contextId must be a string");
    checkId(contextId, "params.contextId");
    query.contextId = contextId;
  }
  const status = params["status"];
  if (
    status !== undefined &&
    status !== null &&
    status !== "" &&
    status !== "TASK_STATE_UNSPECIFIED"
  ) {
    const state = typeof status === "string" ? V1_STATES[status] : undefined;
    if (state === undefined) throw new ShapeError("params.status must be a TASK_STATE_* value");
    query.state = state;
  }
  const token = params["pageToken"];
  if (token !== undefined && token !== null && token !== "") {
    if (typeof token !== "string" || !PAGE_TOKEN.test(token)) {
      throw new ShapeError("params.pageToken must be the nextPageToken of a previous page");
    }
    query.pageToken = token;
  }
  const after = params["statusTimestampAfter"];
  if (after !== undefined && after !== null && after !== "") {
    const ms = typeof after === "string" && TIMESTAMP.test(after) ? Date.parse(after) : NaN;
    if (Number.isNaN(ms)) {
      throw new ShapeError("params.statusTimestampAfter must be an ISO 8601 timestamp");
    }
    query.statusAfter = ms;
  }
  return query;
}

/** A checked `ListTasks` request: the store query and how to shape each task. */
export interface ListRequest {
  query: TaskListQuery;
  historyLength: number | undefined;
  includeArtifacts: boolean;
}

/** The checked `ListTasks` request of `params` (a `ShapeError` names the bad field). */
export function listRequestOf(params: Obj): ListRequest {
  return {
    historyLength: historyLengthOf(params, "params.historyLength"),
    query: listQueryOf(params),
    includeArtifacts: params["includeArtifacts"] === true,
  };
}

/** The v1.0 `ListTasksResponse` of a page. */
export function listResult(page: TaskListPage, request: ListRequest): Obj {
  const { historyLength, includeArtifacts, query } = request;
  const tasks = page.tasks.map((t) => {
    const task = withHistory(t, historyLength);
    const v1 = taskToV1(includeArtifacts ? task : { ...task, artifacts: [] });
    if (!includeArtifacts) delete v1["artifacts"];
    return v1;
  });
  return {
    tasks,
    nextPageToken: page.nextPageToken,
    pageSize: query.pageSize,
    totalSize: page.totalSize,
  };
}
