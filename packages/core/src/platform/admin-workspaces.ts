// The workspace rows an admin creates, reads and deletes (`POST /workspaces`, `GET` and `DELETE
// /workspaces/:id`): what a create sends and where the workspace landed, what a delete must have
// confirmed, and a removed workspace read as such. `AdminClient` calls these.
import { MoleculeError } from "../transport/index.js";
import { hideInInspect, redactDeep } from "../transport/index.js";
import { createWorkspaceSchema, type WireWorkspace, workspaceSchema } from "../wire/index.js";
import { adminError } from "./admin-auth.js";
import type { AdminTransport } from "./admin-secrets.js";
import { WorkspaceRemovedError } from "./errors.js";
import { errorText, expectShape, ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";

const enc = encodeURIComponent;

/** Input of {@link AdminClient.createExternalWorkspace}. */
export interface CreateExternalWorkspaceInput {
  name: string;
  role?: string | undefined;
  parentId?: string | undefined;
  /** A push URL; without it the platform mints a token and returns it once. */
  url?: string | undefined;
  tier?: number | undefined;
  /**
   * How the platform delivers messages to it: default `"push"` with `url`, else `"poll"`, always
   * sent (newer platforms store `push` when none is sent, whatever the runtime, #2348; the April
   * 2026 one ignores the field). Another value is refused before any request.
   */
  deliveryMode?: "push" | "poll" | undefined;
}

/** Result of {@link AdminClient.createExternalWorkspace}. `util.inspect` redacts `token`. */
export interface CreatedWorkspace {
  id: string;
  /**
   * Where it landed: its parent's id, `null` at the top level. A self-hosted August-2026 platform
   * puts every workspace created without `parentId` under its seeded "Org Concierge" (a SaaS one
   * under the org's first root): it then cannot write GLOBAL memory, its peers include the
   * concierge, and TEAM memory is shared with every sibling there.
   */
  parentId: string | null;
  /** The workspace token (only when created without `url`); shown once — store it. */
  token?: string;
  /** The response body, with the token redacted. */
  raw: unknown;
}

/** See `AdminClient.createExternalWorkspace`. */
export async function createExternalWorkspace(
  admin: AdminTransport,
  input: CreateExternalWorkspaceInput,
  signal: AbortSignal | undefined,
): Promise<CreatedWorkspace> {
  if (!input || typeof input.name !== "string" || input.name.trim() === "") {
    throw new MoleculeError("createExternalWorkspace needs a non-empty name", {
      code: "invalid_argument",
    });
  }
  const mode = input.deliveryMode ?? (input.url ? "push" : "poll");
  if (mode !== "push" && mode !== "poll") {
    throw new MoleculeError(
      `createExternalWorkspace deliveryMode must be "push" or "poll" (got ${JSON.stringify(mode)})`,
      { code: "invalid_argument" },
    );
  }
  const body: Record<string, unknown> = {
    name: input.name,
    runtime: "external",
    external: true,
    delivery_mode: mode,
  };
  if (input.role) body.role = input.role;
  if (input.parentId) body.parent_id = requireWorkspaceId(input.parentId, "parentId");
  if (input.url) body.url = input.url;
  if (input.tier !== undefined) body.tier = Math.trunc(input.tier);
  const res = await admin.transport.send({
    method: "POST",
    path: "/workspaces",
    json: body,
    signal,
  });
  if (!ok(res.status)) throw adminError(admin, res, "createExternalWorkspace");
  const created = expectShape(
    createWorkspaceSchema,
    res,
    "createExternalWorkspace",
    [admin.token],
    {
      includeBody: false,
    },
  );
  // The create answer does not say where the workspace landed; without a parentId an August
  // platform puts it under its concierge, so the row is read back.
  const parentId = input.parentId
    ? (body.parent_id as string)
    : ((await getWorkspace(admin, created.id, { signal })).parent_id ?? null);
  const out: CreatedWorkspace = {
    id: created.id,
    parentId,
    raw: redactDeep(res.body, [admin.token]),
  };
  if (!input.parentId && parentId !== null) {
    admin.logger?.info?.(
      `createExternalWorkspace: the platform placed "${input.name}" under workspace ${parentId} (no parentId was given); it is not a root: it cannot write GLOBAL memory and shares TEAM memory with its siblings there`,
    );
  }
  const token = created.connection?.auth_token;
  if (token) out.token = token;
  return hideInInspect(out, ["token"]);
}

/** See `AdminClient.deleteWorkspace`. */
export async function deleteWorkspace(
  admin: AdminTransport,
  workspaceId: string,
  options: { confirm?: boolean; purge?: boolean; signal?: AbortSignal },
): Promise<void> {
  const id = requireWorkspaceId(workspaceId, "workspace id");
  const headers: Record<string, string> = {};
  if (options.confirm) {
    const ws = await getWorkspace(admin, id, { signal: options.signal, includeRemoved: false });
    if (typeof ws.name === "string") headers["X-Confirm-Name"] = ws.name;
  }
  const res = await admin.transport.send({
    method: "DELETE",
    path: `/workspaces/${enc(id)}`,
    query: {
      confirm: options.confirm ? "true" : undefined,
      purge: options.purge ? "true" : undefined,
    },
    headers,
    signal: options.signal,
  });
  const said = res.status === 500 ? errorText(res.body, [admin.token]) : undefined;
  if (said !== undefined && /^workspace marked removed\b/.test(said)) {
    admin.logger?.warn?.(
      `deleteWorkspace(${id}): the platform removed the workspace but could not stop its containers ("${said}")`,
    );
    return;
  }
  if (
    res.status === 409 ||
    errorText(res.body, [admin.token]) === "destructive_action_requires_confirmation"
  ) {
    throw new MoleculeError(
      res.status === 409
        ? `deleteWorkspace(${id}): workspace ${id} has children; pass { confirm: true } to delete them too`
        : `deleteWorkspace(${id}): this platform deletes a workspace only when the caller confirms it; pass { confirm: true } (the SDK then sends the workspace's name as the platform asks)`,
      {
        status: res.status,
        code: "confirmation_required",
        body: redactDeep(res.body, [admin.token]),
      },
    );
  }
  if (!ok(res.status)) throw adminError(admin, res, `deleteWorkspace(${id})`);
}

/** See `AdminClient.getWorkspace`. */
export async function getWorkspace(
  admin: AdminTransport,
  workspaceId: string,
  options: { signal?: AbortSignal | undefined; includeRemoved?: boolean },
): Promise<WireWorkspace> {
  const id = requireWorkspaceId(workspaceId, "workspace id");
  const res = await admin.transport.send({
    method: "GET",
    path: `/workspaces/${enc(id)}`,
    query: { include_removed: options.includeRemoved === false ? undefined : "true" },
    signal: options.signal,
  });
  if (res.status === 410) {
    throw new WorkspaceRemovedError(
      `workspace ${id} was removed; create a new one with createExternalWorkspace`,
      {
        workspaceId: id,
        status: 410,
        body: redactDeep(res.body, [admin.token]),
      },
    );
  }
  if (!ok(res.status)) throw adminError(admin, res, `getWorkspace(${id})`);
  return expectShape(workspaceSchema, res, "getWorkspace", [admin.token]);
}
