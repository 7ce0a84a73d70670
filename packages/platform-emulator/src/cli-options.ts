// The command line of `molecule-platform-emulator`: usage text and flag parsing into
// `startEmulator` options plus the start-up workspaces. Bad input is an `invalid_argument` error.
import { parseArgs } from "node:util";
import { COMPATS, isCompat } from "./contract.js";
import { EmulatorError } from "./errors.js";
import { parseWorkspaceSpecs, type WorkspaceSpec } from "./startup-workspaces.js";
import type { EmulatorOptions } from "./types.js";

/** `molecule-platform-emulator --help`. */
export const USAGE = `Usage: molecule-platform-emulator [options]

  --host <host>           interface to bind (default 127.0.0.1)
  --port <port>           port to bind (default 8080; 0 = a free port)
  --compat <contract>     "latest" (default: the August-2026 server, also "2026-08"),
                          "2026-04" (April 2026) or "2026-05" (May 2026)
  --admin-token <token>   admin bearer (default: random, printed on start)
  --workspace <spec>      create a workspace at start-up and print the export lines its agent
                          needs; repeatable. <spec> is name[,parent=<name>][,role=<role>], e.g.
                          --workspace coordinator --workspace researcher,parent=coordinator
  --env-dir <dir>         also write <dir>/<name>.env (mode 0600) per --workspace, to source
  --plugins-dir <dir>     directory of local plugins served by plugin download
  --state-file <file>     persist the org (workspaces, tokens, secrets, activity, memories, approvals) to this JSON file
                          (a --workspace it already holds is kept and gets a new token)
  --rate-limit <n>        requests per minute per caller (the X-Molecule-Org-Id header, else the
                          bearer, else the IP), as the platform's RATE_LIMIT (default: unlimited,
                          as in development mode; 600 with --no-dev-mode, as in production)
  --no-dev-mode           production (MOLECULE_ENV not development): the A2A proxy refuses
                          loopback/private agent URLs, and the rate limit is on (600 a minute
                          unless --rate-limit says otherwise)
  --org-id <uuid>         run as a SaaS tenant of this org (the platform's MOLECULE_ORG_ID): every
                          request but /health, /buildinfo, /metrics, /registry/register,
                          /registry/heartbeat and /cp/* must carry X-Molecule-Org-Id: <uuid>; the
                          --workspace export lines then include MOLECULE_ORG_ID
  --offsec003-wrapping    wrap peer answers in [A2A_RESULT_FROM_PEER] markers, as the seed documents
                          describe OFFSEC-003 (no platform server ever did; off by default)
  --lenient-agent-urls    register also accepts loopback/private URLs such as
                          http://127.0.0.1:... (the real server refuses them)
  --delegation-result-inbox-push
                          (latest) a finished delegation also writes an a2a_receive row with
                          method delegate_result into the delegating workspace's activity (the
                          platform's DELEGATION_RESULT_INBOX_PUSH=1; off by default, as there)
  --a2a-always-auth       (2026-08) pushes to IP-literal agent URLs also carry the inbound
                          secret (the platform's MOLECULE_A2A_ALWAYS_AUTH; off by default)
  --late-commits <ms>     activity rows commit (become visible to readers and send ACTIVITY_LOGGED)
                          after a random delay of 1 to <ms> milliseconds, so they become visible
                          out of (created_at, seq) order, as concurrent writes do on the platform
  --late-commits-probability <p>
                          the share of rows that commit late, 0 to 1 (default 1)
  --late-commits-seed <n> seeds the delays (default random)
  --sse-keep-alive <ms>   event streams also write a \`: ping\` every <ms> milliseconds (no server
                          does; default with 2026-08: none, one \`: ping\` when a stream opens and then
                          only events, as the server; with 2026-04 and 2026-05: 15000)
  --no-sse-keep-alive     --sse-keep-alive 0
  --no-ui                 do not serve the canvas page (/canvas/: the live org, its traffic and
                          conversations; its API answers only with the admin token)
  -h, --help              show this help
`;

/** What the command line asks for. */
export interface CliOptions {
  help: boolean;
  emulator: EmulatorOptions;
  workspaces: WorkspaceSpec[];
  envDir: string | undefined;
}

function invalid(message: string): EmulatorError {
  return new EmulatorError(message, { code: "invalid_argument" });
}

/** Parses the arguments after the command name. */
export function parseCli(args: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        compat: { type: "string" },
        "admin-token": { type: "string" },
        workspace: { type: "string", multiple: true },
        "env-dir": { type: "string" },
        "plugins-dir": { type: "string" },
        "state-file": { type: "string" },
        "rate-limit": { type: "string" },
        "no-dev-mode": { type: "boolean" },
        "org-id": { type: "string" },
        "offsec003-wrapping": { type: "boolean" },
        "lenient-agent-urls": { type: "boolean" },
        "no-ui": { type: "boolean" },
        "sse-keep-alive": { type: "string" },
        "no-sse-keep-alive": { type: "boolean" },
        "delegation-result-inbox-push": { type: "boolean" },
        "a2a-always-auth": { type: "boolean" },
        "late-commits": { type: "string" },
        "late-commits-probability": { type: "string" },
        "late-commits-seed": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid(`--port must be an integer 0-65535, got ${values.port}`);
  const compat = values.compat ?? "latest";
  if (!isCompat(compat))
    throw invalid(`--compat must be one of ${COMPATS.join(", ")}, got ${values.compat}`);
  const rateLimit = values["rate-limit"] === undefined ? undefined : Number(values["rate-limit"]);
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit <= 0))
    throw invalid(`--rate-limit must be a positive integer`);
  const keepAlive = values["no-sse-keep-alive"] === true ? "0" : values["sse-keep-alive"];
  const sseKeepAliveMs = keepAlive === undefined ? undefined : Number(keepAlive);
  if (
    sseKeepAliveMs !== undefined &&
    !(keepAlive !== "" && Number.isInteger(sseKeepAliveMs) && sseKeepAliveMs >= 0)
  )
    throw invalid(
      `--sse-keep-alive must be an integer of milliseconds (0: none), got ${keepAlive}`,
    );
  const orgId = values["org-id"]?.trim();
  if (orgId === "") throw invalid("--org-id needs the organisation's id (a UUID)");
  const workspaces = parseWorkspaceSpecs(values.workspace ?? []);
  const envDir = values["env-dir"];
  if (envDir !== undefined && workspaces.length === 0)
    throw invalid("--env-dir writes one file per --workspace: add at least one --workspace");
  const lateMs = values["late-commits"];
  const lateP = values["late-commits-probability"];
  const lateSeed = values["late-commits-seed"];
  if (lateMs === undefined && (lateP !== undefined || lateSeed !== undefined))
    throw invalid("--late-commits-probability and --late-commits-seed need --late-commits <ms>");
  const maxDelayMs = Number(lateMs);
  if (lateMs !== undefined && (!Number.isInteger(maxDelayMs) || maxDelayMs <= 0))
    throw invalid(`--late-commits must be a positive integer of milliseconds, got ${lateMs}`);
  const probability = Number(lateP);
  if (lateP !== undefined && !(lateP !== "" && probability >= 0 && probability <= 1))
    throw invalid(`--late-commits-probability must be a number from 0 to 1, got ${lateP}`);
  const seed = Number(lateSeed);
  if (lateSeed !== undefined && (lateSeed === "" || !Number.isInteger(seed)))
    throw invalid(`--late-commits-seed must be an integer, got ${lateSeed}`);
  return {
    help: values.help === true,
    workspaces,
    envDir,
    emulator: {
      compat,
      port,
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(values["admin-token"] !== undefined ? { adminToken: values["admin-token"] } : {}),
      ...(values["plugins-dir"] !== undefined ? { pluginsDir: values["plugins-dir"] } : {}),
      ...(values["state-file"] !== undefined ? { stateFile: values["state-file"] } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      devMode: values["no-dev-mode"] !== true,
      ...(orgId !== undefined ? { orgId } : {}),
      ...(values["offsec003-wrapping"] === true ? { offsec003Wrapping: true } : {}),
      lenientAgentUrls: values["lenient-agent-urls"] === true,
      ui: values["no-ui"] !== true,
      ...(sseKeepAliveMs !== undefined ? { sseKeepAliveMs } : {}),
      delegationResultInboxPush: values["delegation-result-inbox-push"] === true,
      a2aAlwaysAuth: values["a2a-always-auth"] === true,
      ...(lateMs !== undefined
        ? {
            lateCommits: {
              maxDelayMs,
              ...(lateP !== undefined ? { probability } : {}),
              ...(lateSeed !== undefined ? { seed } : {}),
            },
          }
        : {}),
    },
  };
}
