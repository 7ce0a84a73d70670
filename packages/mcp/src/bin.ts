#!/usr/bin/env node
// `molecule-mcp`: the package's own command. The Node version is checked before anything that
// needs a newer one is loaded (an older Node would fail with a bare TypeError).
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `molecule-mcp: Node.js >= 22.19 is needed (this is ${process.versions.node}): install a newer Node (for example 24 LTS) and run the command with it.\n`,
  );
  process.exit(1);
}
await import("./cli.js");
