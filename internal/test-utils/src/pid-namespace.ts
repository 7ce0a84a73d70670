// Processes each in a PID namespace of its own, as containers are (pid 1 there): `unshare`, as root.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Whether this process can start children in PID namespaces of their own (root, with unshare). */
export const pidNamespaces =
  process.getuid?.() === 0 &&
  spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"], { stdio: "ignore" }).status ===
    0;

/** The command that runs the command after it as pid 1 of a new PID namespace (killed with it). */
export const OWN_PID_NAMESPACE = [
  "unshare",
  "--pid",
  "--fork",
  "--mount-proc",
  "--kill-child=SIGKILL",
] as const;

/**
 * The pid (in this namespace) of the process `unshare` (pid `wrapper`, started with
 * {@link OWN_PID_NAMESPACE}) runs as pid 1: the one to signal, as a container runtime signals a
 * container's pid 1 (unshare itself does not pass SIGTERM on).
 */
export function pidOneOf(wrapper: number): number {
  const children = readFileSync(`/proc/${wrapper}/task/${wrapper}/children`, "utf8");
  return Number(children.trim().split(" ")[0]);
}
