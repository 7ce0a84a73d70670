// Entry point: `pnpm start` (offline, against an in-process emulator) or, with
// MOLECULE_PLATFORM_URL and credentials set, the reviewer as a workspace of a real platform.
import { parseArgs } from "node:util";
import { untilSignal } from "@example/shared";
import { FileTokenStore } from "@molecule-ai/nestjs";
import type { Logger } from "@molecule-ai/nestjs";
import { runOffline } from "./offline.js";
import { startNestSpecialist } from "./specialist.js";
import type { NestSpecialistOptions } from "./specialist.js";

const USAGE = `usage: node dist/main.js [--delivery poll|push] [--adapter express|fastify] [--keep]

Offline (default): starts the platform emulator in-process, boots the NestJS reviewer, asks it for
a review through the platform and prints the answer. --keep leaves everything running.

Against a real platform: set MOLECULE_PLATFORM_URL, MOLECULE_WORKSPACE_ID and
MOLECULE_WORKSPACE_TOKEN (or keep the token in ~/.molecule/<id>/.auth_token); optional
MOLECULE_ORG_ID, MOLECULE_DELIVERY (poll|push), and for push MOLECULE_PUBLIC_URL (the URL the
platform reaches this app's /molecule/a2a route at) and MOLECULE_PORT (default 3000).`;

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
  platformUrl: string,
  delivery: "poll" | "push" | undefined,
  adapter: "express" | "fastify" | undefined,
): Promise<number> {
  const env = process.env;
  const workspaceId = env["MOLECULE_WORKSPACE_ID"];
  if (!workspaceId) fail("MOLECULE_WORKSPACE_ID is required with MOLECULE_PLATFORM_URL");
  const token = env["MOLECULE_WORKSPACE_TOKEN"] || undefined;
  const options: NestSpecialistOptions = {
    platformUrl,
    workspaceId,
    delivery: delivery ?? "poll",
    logger: consoleLogger,
    nestLogLevels: ["log", "warn", "error"],
  };
  if (token) options.token = token;
  else options.tokenStore = new FileTokenStore({ workspaceId });
  if (env["MOLECULE_ORG_ID"]) options.orgId = env["MOLECULE_ORG_ID"];
  if (adapter) options.adapter = adapter;
  if (options.delivery === "push") {
    const publicUrl = env["MOLECULE_PUBLIC_URL"];
    if (!publicUrl)
      fail("push delivery needs MOLECULE_PUBLIC_URL: where the platform reaches /molecule/a2a");
    const port = Number(env["MOLECULE_PORT"] ?? "3000");
    if (!Number.isInteger(port) || port <= 0 || port > 65_535)
      fail(`MOLECULE_PORT must be a port number, got ${JSON.stringify(env["MOLECULE_PORT"])}`);
    options.publicUrl = publicUrl;
    options.port = port;
    options.host = "0.0.0.0";
  }
  const reviewer = await startNestSpecialist(options);
  // Ctrl-C, SIGTERM, or the platform ended it; the handlers are in place before the banner.
  const stopped = untilSignal(reviewer.agent.done);
  console.log(
    `reviewer online as workspace ${workspaceId} on ${platformUrl} (delivery: ${options.delivery}); Ctrl-C stops it`,
  );
  await stopped;
  await reviewer.stop();
  const ended = await reviewer.agent.done;
  if (ended.reason === "stopped") return 0;
  console.error(`the agent ended: ${ended.reason}`);
  return ended.reason === "paused" || ended.reason === "removed" ? 0 : 1;
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
  const platformUrl = process.env["MOLECULE_PLATFORM_URL"];
  if (platformUrl) return await onPlatform(platformUrl, delivery, adapter);

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
