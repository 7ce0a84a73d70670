#!/usr/bin/env node
// `./dev demo [--keep] [--compat latest|2026-04|2026-08]`: runs the demo and exits 0 when it worked.
import { parseArgs } from "node:util";

const USAGE = `usage: ./dev demo [--keep] [--trace] [--compat latest|2026-04|2026-08]

Starts a local Molecule platform (the emulator) in this process, creates an org of four
workspaces, runs a coordinator and three specialists (LangChain.js, Vercel AI SDK, NestJS), and
prints who asked whom, what came back, the latency of each hop, and the org tree.

  --keep            leave the org running; prints the platform URL, the admin token and the canvas
                    page's URL (the live org in a browser); Ctrl-C stops it
  --trace           record OpenTelemetry spans; print one request's trace across the agents as a tree
  --compat <c>      the platform contract: latest (default), 2026-04 (the April 2026 baseline) or
                    2026-08 (the August 2026 server users run today)`;

async function main(): Promise<number> {
  let values: { keep?: boolean; trace?: boolean; compat?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        keep: { type: "boolean", default: false },
        trace: { type: "boolean", default: false },
        compat: { type: "string", default: "latest" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.compat !== "latest" && values.compat !== "2026-04" && values.compat !== "2026-08") {
    process.stderr.write(
      `--compat must be latest, 2026-04 or 2026-08, got ${JSON.stringify(values.compat)}\n\n${USAGE}\n`,
    );
    return 2;
  }
  // Loaded once the arguments are good: the demo's frameworks take a second to load, which
  // `--help` and a mistyped flag need not wait for.
  const { runDemo } = await import("./main.js");
  await runDemo({
    keep: values.keep === true,
    trace: values.trace === true,
    compat: values.compat,
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
