#!/usr/bin/env node
// `molecule-platform-emulator`: runs the local Molecule platform from the shell.
import { parseArgs } from "node:util";
import { startEmulator } from "./index.js";
import type { Compat } from "./types.js";

const USAGE = `Usage: molecule-platform-emulator [options]

  --host <host>           interface to bind (default 127.0.0.1)
  --port <port>           port to bind (default 8080; 0 = a free port)
  --compat <contract>     "latest" (default) or "2026-04"
  --admin-token <token>   admin bearer (default: random, printed on start)
  --plugins-dir <dir>     directory of local plugins served by plugin download
  --state-file <file>     persist the org (workspaces, tokens, secrets, activity) to this JSON file
  --rate-limit <n>        requests per minute per IP (default: unlimited)
  --no-dev-mode           the A2A proxy refuses loopback/private agent URLs (production)
  --lenient-agent-urls    register also accepts loopback/private URLs such as
                          http://127.0.0.1:... (the real server refuses them)
  -h, --help              show this help
`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string" },
        port: { type: "string" },
        compat: { type: "string" },
        "admin-token": { type: "string" },
        "plugins-dir": { type: "string" },
        "state-file": { type: "string" },
        "rate-limit": { type: "string" },
        "no-dev-mode": { type: "boolean" },
        "lenient-agent-urls": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer 0-65535, got ${values.port}\n`);
    process.exit(2);
  }
  const compat = (values.compat ?? "latest") as Compat;
  if (compat !== "latest" && compat !== "2026-04") {
    process.stderr.write(`--compat must be "latest" or "2026-04", got ${values.compat}\n`);
    process.exit(2);
  }
  const rateLimit = values["rate-limit"] === undefined ? undefined : Number(values["rate-limit"]);
  if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit <= 0)) {
    process.stderr.write(`--rate-limit must be a positive integer\n`);
    process.exit(2);
  }
  const emu = await startEmulator({
    compat,
    port,
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values["admin-token"] !== undefined ? { adminToken: values["admin-token"] } : {}),
    ...(values["plugins-dir"] !== undefined ? { pluginsDir: values["plugins-dir"] } : {}),
    ...(values["state-file"] !== undefined ? { stateFile: values["state-file"] } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    devMode: values["no-dev-mode"] !== true,
    lenientAgentUrls: values["lenient-agent-urls"] === true,
  });
  process.stdout.write(`listening on ${emu.url}\n`);
  process.stdout.write(`admin token: ${emu.adminToken}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`molecule-platform-emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
