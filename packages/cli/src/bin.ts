#!/usr/bin/env node
// `molecule-agent`. The Node version is checked before anything that needs a newer one is loaded:
// an older Node gets one line, not an error of the SDK's HTTP client at the first request.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `molecule-agent: Node.js >= 22.19 is needed (this is ${process.versions.node}): install a newer Node (for example 24 LTS) and run the command with it.\n`,
  );
  process.exit(1);
}
const { adoptDeprecatedEnv } = await import("./env.js");
const { createProgram } = await import("./program.js");

adoptDeprecatedEnv(process.env, (text) => process.stderr.write(text));
await createProgram().parseAsync(process.argv);
