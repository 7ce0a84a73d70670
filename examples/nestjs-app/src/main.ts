// Entry point: `pnpm start` (offline, against an in-process emulator) or, with
// MOLECULE_PLATFORM_URL and credentials set, the reviewer as a workspace of a real platform.
import { parseArgs } from "node:util";
import { connectOrExit, platformFromEnv, untilSignal } from "@example/shared";
import type { PlatformTarget } from "@example/shared";
import { pickDelivery, PlatformClient } from "@molecule-ai/agent-core";
import { stopOnSignals } from "@molecule-ai/agent-core/adapters";
import { FileTokenStore } from "@molecule-ai/agent-core";
import type { Logger } from "@molecule-ai/agent-core";
import { runOffline } from "./offline.js";
import { startNestSpecialist } from "./specialist.js";
import type { NestSpecialistOptions } from "./specialist.js";

const USAGE = `usage: node dist/main.js [--delivery poll|push] [--adapter express|fastify] [--keep]

Offline (default): starts the platform emulator in-process, boots the NestJS reviewer, asks it for
a review through the platform and prints the answer. --keep leaves everything running.

Against a real platform: set MOLECULE_PLATFORM_URL, MOLECULE_WORKSPACE_ID and
MOLECULE_WORKSPACE_TOKEN (or keep the token in ~/.molecule/<id>/.auth_token); optional
MOLECULE_ORG_ID, MOLECULE_DELIVERY (poll|push; default: poll where the platform has it, else
push), and for push MOLECULE_PUBLIC_URL (the URL the platform reaches this app's /molecule/a2a
route at; default http://localhost:<port>/molecule/a2a) and MOLECULE_PORT (default: a free port).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: T[],
): T | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(allowed as string[]).includes(value))
    fail(`${name} must be ${allowed.join(" or ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

const consoleLogger: Logger = {
  info: (msg) => console.log(`[molecule] ${msg}`),
  warn: (msg) => console.warn(`[molecule] ${msg}`),
  error: (msg) => console.error(`[molecule] ${msg}`),
};

async function onPlatform(
  target: PlatformTarget,
  delivery: "poll" | "push" | undefined,
  adapter: "express" | "fastify" | undefined,
): Promise<number> {
  const { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId, whenPaused } = target;
  const options: NestSpecialistOptions = {
    platformUrl,
    workspaceId,
    logger: consoleLogger,
    nestLogLevels: ["log", "warn", "error"],
  };
  if (whenPaused) options.whenPaused = whenPaused;
  if (token) options.token = token;
  else options.tokenStore = new FileTokenStore({ workspaceId, file: tokenFile });
  if (orgId) options.orgId = orgId;
  if (adapter) options.adapter = adapter;
  // Poll where the platform has it (unless a public URL is given), else push.
  options.delivery = delivery ?? (await platformDelivery(options, publicUrl));
  if (options.delivery === "push") {
    if (publicUrl) {
      options.publicUrl = publicUrl;
      options.host = "0.0.0.0"; // the platform comes from outside
    }
    if (port) options.port = port; // 0 or unset: a free port
  }
  const reviewer = await startNestSpecialist(options);
  // Ctrl-C, SIGTERM (a second one exits at once), or the platform ended it; the handlers are in
  // place before the banner.
  const removeHandlers = stopOnSignals(reviewer, { exit: false });
  console.log(
    `reviewer online as workspace ${workspaceId} on ${platformUrl} (delivery: ${options.delivery}); Ctrl-C stops it`,
  );
  await reviewer.agent.done;
  await reviewer.stop();
  removeHandlers();
  const ended = await reviewer.agent.done;
  if (ended.reason === "stopped") return 0;
  console.error(`the agent ended: ${ended.reason}`);
  return ended.reason === "paused" || ended.reason === "removed" ? 0 : 1;
}

/** What the platform supports, asked with a short-lived client before Nest starts. */
async function platformDelivery(
  options: NestSpecialistOptions,
  publicUrl: string | undefined,
): Promise<"poll" | "push"> {
  const client = new PlatformClient({
    platformUrl: options.platformUrl,
    workspaceId: options.workspaceId,
    ...(options.token ? { token: options.token } : {}),
    ...(options.tokenStore ? { tokenStore: options.tokenStore } : {}),
    ...(options.orgId ? { orgId: options.orgId } : {}),
  });
  try {
    return (await pickDelivery(client, publicUrl ? { publicUrl } : {})) === "poll"
      ? "poll"
      : "push";
  } finally {
    await client.close();
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        delivery: { type: "string" },
        adapter: { type: "string" },
        keep: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const delivery = oneOf("--delivery", values.delivery ?? process.env["MOLECULE_DELIVERY"], [
    "poll",
    "push",
  ]);
  const adapter = oneOf("--adapter", values.adapter, ["express", "fastify"]);
  const target = platformFromEnv();
  if (target) {
    let code = 1;
    await connectOrExit(target, async () => (code = await onPlatform(target, delivery, adapter)));
    return code;
  }

  const run = await runOffline({
    out: process.stdout,
    ...(delivery ? { delivery } : {}),
    ...(adapter ? { adapter } : {}),
  });
  if (values.keep) {
    const stopped = untilSignal();
    console.log(`\nStill running (--keep). Emulator: ${run.emulator.url}`);
    console.log(`admin token: ${run.emulator.adminToken}`);
    console.log(`reviewer workspace: ${run.workspaces.reviewer}; editor: ${run.workspaces.editor}`);
    console.log("Ctrl-C stops everything.");
    await stopped;
  }
  await run.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? `error: ${err.message}` : err);
    process.exitCode = 1;
  },
);
