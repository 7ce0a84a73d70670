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

/**
 * The command that runs the command after it as another machine would: pid 1 of a new PID
 * namespace, in mount and UTS namespaces of its own with host name `host` and, bound over
 * `/proc/sys/kernel/random/boot_id`, the boot id in file `bootFile` (so its monotonic clock is
 * not comparable with this one's, as on another host). Root only; killed with its `unshare`.
 */
export function ownMachine(host: string, bootFile: string): string[] {
  const setup = `mount --bind ${bootFile} /proc/sys/kernel/random/boot_id && hostname ${host} && exec "$@"`;
  return [
    ...OWN_PID_NAMESPACE,
    "--uts",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    setup,
    "sh",
  ];
}

/** Resolves once process `pid` is stopped (SIGSTOP: state `T` in `/proc/<pid>/stat`). */
export async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
