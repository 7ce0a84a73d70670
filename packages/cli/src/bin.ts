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
// `connect` and `mcp` run an agent in this process until stopped, so they run with what keeps an
// idle agent small (the library sets none: a host's process is the host's). Node is started again
// in place with it (process.execve; Linux and macOS): undici's WebAssembly HTTP parser at its
// baseline tier (no optimised copy, ~9 MiB), the young generation at 1 MiB (~20 MiB), V8's heap
// sized for memory rather than speed (~3 MiB) and at most two glibc malloc arenas (~1 MiB; a
// MALLOC_ARENA_MAX of your own is kept), measured in docs/deployment.md "Containers".
// MOLECULE_NODE_FLAGS=keep, or any of these flags given, keeps Node's own.
const LEAN = ["--liftoff-only", "--max-semi-space-size=1", "--optimize-for-size"];
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
const given = process.execArgv.some((f) => LEAN.some((l) => f.startsWith(l.split("=")[0]!)));
const long = command === "connect" || command === "mcp";
if (long && process.env.MOLECULE_NODE_FLAGS !== "keep" && !given && process.execve) {
  process.execve(
    process.execPath,
    [process.execPath, ...LEAN, ...process.execArgv, ...process.argv.slice(1)],
    { MALLOC_ARENA_MAX: "2", ...process.env },
  );
}
const { adoptDeprecatedEnv } = await import("./env.js");
const { createProgram } = await import("./program.js");

adoptDeprecatedEnv(process.env, (text) => process.stderr.write(text));
await createProgram().parseAsync(process.argv);
