// The push check of `molecule-agent doctor`: can the platform reach the agent's registered URL?
// It sends a harmless A2A `tasks/get` for a task that does not exist through the platform's own
// A2A proxy, as the workspace itself; any JSON-RPC answer proves the path works end to end.
import { randomUUID } from "node:crypto";
import { isMoleculeError } from "@molecule-ai/agent-core";
import { requestPlatformUrl } from "@molecule-ai/agent-core/adapters";
import { hidePathSecret } from "../commands/secrets.js";
import type { DoctorCheck } from "./types.js";

/** What the probe needs; the token goes only to the platform. */
export interface PushProbeInput {
  platformUrl: string;
  workspaceId: string;
  token: string | undefined;
  orgId: string | undefined;
  /** The registered URL (only its origin and path without the secret are ever printed). */
  pushUrl: string;
  timeoutMs: number;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host.startsWith("127.");
  } catch {
    return false;
  }
}

/** Probes the registered URL through `POST /workspaces/:id/a2a`. */
export async function checkPush(input: PushProbeInput): Promise<DoctorCheck> {
  const shown = hidePathSecret(input.pushUrl);
  const id = `molecule-doctor-${randomUUID()}`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-workspace-id": input.workspaceId,
  };
  if (input.token) headers["authorization"] = `Bearer ${input.token}`;
  if (input.orgId) headers["x-molecule-org-id"] = input.orgId;
  const started = performance.now();
  let status: number;
  let body: unknown;
  try {
    // The agent's own path (its pool and proxy), as every other check.
    const res = await requestPlatformUrl(
      `${input.platformUrl}/workspaces/${input.workspaceId}/a2a`,
      {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tasks/get", params: { id } }),
        timeoutMs: input.timeoutMs,
      },
    );
    status = res.status;
    const text = res.text;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch (err) {
    const timedOut = isMoleculeError(err, "timeout");
    return {
      id: "push",
      status: "fail",
      detail: timedOut
        ? `no answer through the platform's proxy within ${input.timeoutMs} ms (agent at ${shown})`
        : `the proxy call failed: ${(err as Error).message}`,
      fix: timedOut
        ? "the agent accepts connections but does not answer: check it is not stuck (its logs)"
        : "retry; check that the platform is reachable",
    };
  }
  const ms = Math.round(performance.now() - started);
  const rec = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const error = typeof rec["error"] === "string" ? rec["error"] : undefined;
  if (status === 200 && rec["jsonrpc"] === "2.0")
    return {
      id: "push",
      status: "ok",
      detail: `the platform reached the agent at ${shown} through its A2A proxy in ${ms} ms`,
    };
  const unreachableFix = isLoopback(input.pushUrl)
    ? `is the agent running? The platform calls ${shown} on its own machine, so the agent must run there too; otherwise set MOLECULE_PUBLIC_URL to a URL the platform can reach (e.g. a tunnel) and restart the agent`
    : `is the agent running? Make ${new URL(input.pushUrl).host} reachable from the platform (firewall, tunnel), or set MOLECULE_PUBLIC_URL to a URL that is, and restart the agent`;
  let detail: string;
  let fix: string;
  if (status === 400 && rec["code"] === "TENANT_ORG_HEADER_REQUIRED") {
    detail = "the platform is a SaaS tenant and refused the proxy call without its organisation id";
    fix = "set --org-id (MOLECULE_ORG_ID) to your organisation's id";
  } else if (status === 404 && input.orgId && typeof body === "string" && body.trim() === "") {
    // The tenant guard's answer to another org's id; a peer's own 404 arrives wrapped in JSON.
    detail = `the platform answered 404 with an empty body: the org id is wrong, or workspace ${input.workspaceId} does not exist (a SaaS tenant answers both alike)`;
    fix = "check --org-id (MOLECULE_ORG_ID) and --workspace-id (MOLECULE_WORKSPACE_ID)";
  } else if (status === 502 && error === "failed to reach workspace agent") {
    detail = `the platform cannot reach the agent at ${shown}`;
    fix = unreachableFix;
  } else if (status === 502 && error === "workspace URL is not publicly routable") {
    detail = `the platform refuses the registered URL ${shown}: it is loopback or private`;
    fix =
      "set MOLECULE_PUBLIC_URL to a public URL of the agent (e.g. a tunnel) and restart the agent";
  } else if (status === 202) {
    detail = `the agent at ${shown} did not take the call (busy or connection reset); the platform queued it`;
    fix = "check that the agent is running and not stuck (its logs)";
  } else if (status >= 400 && status < 500 && status !== 401 && status !== 403) {
    detail = `the agent at ${shown} answered HTTP ${status} through the proxy: the registered URL is stale or not an A2A endpoint`;
    fix = "restart the agent so that it registers its current URL";
  } else {
    detail = `the proxy answered HTTP ${status}${error ? `: ${error}` : ""} (agent at ${shown})`;
    fix = status === 401 || status === 403 ? "fix the token check above first" : unreachableFix;
  }
  return { id: "push", status: "fail", detail, fix };
}
