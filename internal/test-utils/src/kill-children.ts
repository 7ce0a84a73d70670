// Child processes of the kill -9 tests: each started on a script with an environment, its stdout
// kept as lines, killed with SIGKILL; at the end every child still running is killed and the
// scratch folder removed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLines } from "./lines.js";

/** A running child. */
export interface LineChild {
  child: ChildProcess;
  /** Its stdout lines so far (each without its newline). */
  out: string[];
  /** Its exit code once it exits (`null` when a signal ended it). */
  exited: Promise<number | null>;
}

/** The children of one test file, and their scratch folder. */
export interface ChildRig {
  /** A scratch folder of the test file's own, removed by `close()`. */
  dir: string;
  /** Starts `file` under this Node with `env` added to this process's environment. */
  start(file: string, env: Record<string, string>): LineChild;
  /** Kills every child still running (SIGKILL) and removes the folder. */
  close(): Promise<void>;
}

/** A rig whose scratch folder is a new temporary folder named `prefix...`. */
export async function childRig(prefix: string): Promise<ChildRig> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  return {
    dir,
    start(file, env) {
      const child = spawn(process.execPath, [file], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      return { child, out: readLines(child.stdout!).lines, exited };
    },
    async close() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Kills `c` with SIGKILL (no clean-up runs in it) and resolves once it has exited. */
export async function kill9(c: LineChild): Promise<void> {
  c.child.kill("SIGKILL");
  await c.exited;
}

/** The non-empty lines of the file at `path` (none while it does not exist). */
export async function fileLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
