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
// This command owns its process, so it runs with what keeps an idle agent small (the library sets
// none: a host's process is the host's). Node is started again in place with it (process.execve;
// Linux and macOS): undici's WebAssembly HTTP parser at its baseline tier (no optimised copy,
// ~9 MiB), the young generation at 1 MiB (~20 MiB), V8's heap sized for memory rather than speed
// (~3 MiB) and at most two glibc malloc arenas (~1 MiB; a MALLOC_ARENA_MAX of your own is kept),
// measured in docs/deployment.md "Containers". MOLECULE_NODE_FLAGS=keep, or any of these flags
// given, keeps Node's own.
const LEAN = ["--liftoff-only", "--max-semi-space-size=1", "--optimize-for-size"];
const given = process.execArgv.some((f) => LEAN.some((l) => f.startsWith(l.split("=")[0]!)));
if (process.env.MOLECULE_NODE_FLAGS !== "keep" && !given && typeof process.execve === "function") {
  const argv = [process.execPath, ...LEAN, ...process.execArgv, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, { MALLOC_ARENA_MAX: "2", ...process.env });
}
await import("./cli.js");
