// The one line a command prints when an agent could not start: what went wrong and what to do,
// naming the variables (and, for `molecule-agent`, the flags) a user sets, never library options
// or internal steps. The examples and the CLI print the same words.
import { isTlsErrorCode, pathFailureOf, proxyFor, proxyOfError } from "../transport/index.js";
import { errorText } from "./http-errors.js";

/** Options of {@link describeStartError}. */
export interface DescribeStartErrorOptions {
  /**
   * Name the command-line flags beside the variables (`MOLECULE_WORKSPACE_TOKEN or --token`):
   * for `molecule-agent`. Default false (the variables only).
   */
  flags?: boolean | undefined;
  /** The platform's URL, named when it could not be reached. */
  platformUrl?: string | undefined;
  /** The workspace id, named when it was removed or is paused. */
  workspaceId?: string | undefined;
  /**
   * The token file the token was read from (`MOLECULE_WORKSPACE_TOKEN_FILE`), when one was set and
   * no token was given: a rejected token then names that file. Otherwise it names
   * `MOLECULE_WORKSPACE_TOKEN`, the variable the quickstarts read.
   */
  tokenFile?: string | undefined;
}

/** The first `code` (a string) on `err` or its causes. */
function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "molecule_error") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The `port` of an `EADDRINUSE` error (Node's `listen` errors carry it). */
function portOf(err: unknown): number | undefined {
  for (let e: unknown = err, i = 0; i < 5 && e && typeof e === "object"; i++) {
    const port = (e as { port?: unknown }).port;
    if (typeof port === "number") return port;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The line of a start that ended on a 5xx: the platform's own (its error text) and what to do. A
 * front's page is the path's (`pathFailureOf`), named before.
 */
function failedOnPlatform(err: unknown, status: number, platformUrl: string | undefined): string {
  const at = platformUrl ? ` at ${platformUrl}` : "";
  const detail = errorText((err as { body?: unknown }).body, []);
  return `the platform${at} failed with ${status}${detail ? ` ("${detail}")` : ""}: it may be restarting or overloaded; check its health and logs, then retry`;
}

/**
 * The line of a start a front in front of the platform answered (the judge's `detail`: a
 * redirect, a sign-in page, a firewall's page, a 5xx page), and what to do.
 */
function answeredByFront(detail: string, status: number, platformUrl: string | undefined): string {
  const at = platformUrl ? ` at ${platformUrl}` : "";
  const said = detail.slice(String(status).length).trim();
  const shown = said === "" || said.startsWith("(") ? said : `(${said})`;
  const from = `answered ${status} from a proxy or load balancer in front of it${shown ? ` ${shown}` : ""}`;
  if (status >= 500)
    return `the platform${at} ${from}: the platform behind it is down or unreachable; check it and retry`;
  return `the platform${at} ${from}, not the platform itself (the token was not refused): let the agent's requests to the platform's API through it (a bypass rule, or a service token its sign-in accepts), or set MOLECULE_PLATFORM_URL to an address past it`;
}

/**
 * One line saying why an agent could not start and what to do, for the failures a first run
 * meets: a wrong token, a token file that cannot be used, a SaaS tenant's missing or wrong org
 * id, a removed workspace, a paused workspace, a platform that cannot be reached, a platform's
 * certificate this process refuses (untrusted, self-signed, for another host, expired), a platform
 * (or what answers in front of it) failing with a 5xx, a push port already in use, a delivery the
 * platform lacks. `undefined` for any other error (print its message).
 *
 * @example
 * try {
 *   await agent.start();
 * } catch (err) {
 *   console.error(describeStartError(err, { platformUrl, workspaceId }) ?? String(err));
 *   process.exit(1);
 * }
 */
export function describeStartError(
  err: unknown,
  options: DescribeStartErrorOptions = {},
): string | undefined {
  const name = (variable: string, flag: string): string =>
    options.flags ? `${variable} or ${flag}` : variable;
  const ws = options.workspaceId ? `workspace ${options.workspaceId}` : "the workspace";
  const status = (err as { status?: unknown } | null)?.status;
  const code = codeOf(err);
  // The platform's certificate (tls-errors.ts): the error's own line names the cause and the fix.
  if (isTlsErrorCode(code)) return (err as Error).message;
  // Whose answer it was: a front's (a redirect, a sign-in page) is never the token's nor the platform's.
  const path = pathFailureOf(err);
  if (path?.cause === "front" && typeof status === "number")
    return answeredByFront(path.detail, status, options.platformUrl);
  switch (code) {
    case "unauthorized": {
      const issued =
        "the token the platform issued for this workspace (the canvas shows it once when the workspace is created; after a rotation, the new one)";
      return options.tokenFile
        ? `the platform rejected the workspace token read from ${options.tokenFile} (401): write into that file (${name("MOLECULE_WORKSPACE_TOKEN_FILE", "--token-file")}) ${issued}`
        : `the platform rejected the workspace token (401): set ${name("MOLECULE_WORKSPACE_TOKEN", "--token")} to ${issued}`;
    }
    case "org_id_required":
      return `the platform is a SaaS tenant and needs its organisation id: set ${name("MOLECULE_ORG_ID", "--org-id")} to your organisation's id (when it is set, something between here and the platform drops the X-Molecule-Org-Id header)`;
    case "org_or_workspace_not_found":
      return `the platform answered 404 with an empty body: the org id is wrong, or ${ws} does not exist (a SaaS tenant answers both alike): check ${name("MOLECULE_ORG_ID", "--org-id")} and ${name("MOLECULE_WORKSPACE_ID", "--workspace-id")}`;
    case "token_file_unreadable":
      return (err as Error).message;
    case "forbidden":
      return `the platform refused this workspace (403): check ${name("MOLECULE_WORKSPACE_ID", "--workspace-id")} and ${name("MOLECULE_ORG_ID", "--org-id")}`;
    case "workspace_removed":
      return `${ws} was removed from the platform: create a new workspace and set ${name("MOLECULE_WORKSPACE_ID", "--workspace-id")} and ${name("MOLECULE_WORKSPACE_TOKEN", "--token")} to its id and token`;
    case "not_found":
      return status === 404
        ? `the platform does not know ${ws} (404): check ${name("MOLECULE_WORKSPACE_ID", "--workspace-id")} and ${name("MOLECULE_PLATFORM_URL", "--platform-url")}`
        : undefined;
    case "workspace_paused":
      return `${ws} is paused, and starting would resume it: to resume it, start with ${name("MOLECULE_RESUME=1", "--resume")} (the agent asks the platform to resume it, then registers)`;
    case "resume_unavailable":
    case "proxy_refused":
      return (err as Error).message;
    case "connection_failed":
    case "timeout": {
      // The proxy the request went through (else the one the environment names for the URL).
      let proxy = proxyOfError(err);
      try {
        proxy ??= options.platformUrl ? proxyFor(options.platformUrl) : undefined;
      } catch {
        proxy = undefined; // an unparsable proxy variable: the client's own error said so
      }
      const at = `could not reach the platform${options.platformUrl ? ` at ${options.platformUrl}` : ""}`;
      return proxy
        ? `${at} through the proxy ${proxy.shown} (${proxy.from}): check ${name("MOLECULE_PLATFORM_URL", "--platform-url")}, that the proxy runs and may reach the platform, or list the platform's host in NO_PROXY if it is reachable directly`
        : `${at}: check ${name("MOLECULE_PLATFORM_URL", "--platform-url")} and that the platform is running`;
    }
    case "EADDRINUSE": {
      const port = portOf(err);
      return `port ${port ?? "(the push port)"} is already in use: set ${name("MOLECULE_PORT", "--port")} to a free port, or unset it to use any free port`;
    }
    case "server_error":
    case "unavailable":
      return typeof status === "number"
        ? failedOnPlatform(err, status, options.platformUrl)
        : undefined;
    case "poll_delivery_unsupported":
      return `this platform has no poll delivery: set ${name("MOLECULE_DELIVERY=push", "--delivery push")} (with ${name("MOLECULE_PUBLIC_URL", "--public-url")} when the platform runs elsewhere), or leave ${name("MOLECULE_DELIVERY", "--delivery")} unset`;
    default:
      return undefined;
  }
}
