// Shared by the tests that spawn the built `molecule-agent connect` against an emulator.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator, EmulatorOptions } from "@molecule-ai/platform-emulator";

/** The built CLI entry point. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
/** A handler module that echoes (see fixtures/connect-handler.mjs). */
export const HANDLER = fileURLToPath(new URL("./fixtures/connect-handler.mjs", import.meta.url));

/** A spawned `molecule-agent connect`: its output so far and its exit code. */
export interface ConnectRun {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

/**
 * Starts one emulator and one throwaway HOME for the test file (closed and removed after it), and
 * returns them with `run(args, env)`, which spawns `molecule-agent connect` with only PATH, that
 * HOME and `env` in its environment, and `doctor(env)`, which runs `molecule-agent doctor` to its
 * end likewise (its exit code and its stdout and stderr together).
 */
export function useConnectHarness(
  prefix: string,
  emulatorOptions?: EmulatorOptions,
): {
  readonly emu: Emulator;
  readonly home: string;
  run: (args: string[], env?: Record<string, string>) => ConnectRun;
  doctor: (env: Record<string, string>) => Promise<{ code: number | null; out: string }>;
} {
  let emu: Emulator;
  let home: string;
  beforeAll(async () => {
    emu = await startEmulator(emulatorOptions);
    home = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await emu.close();
    await rm(home, { recursive: true, force: true });
  });
  const run = (args: string[], env: Record<string, string> = {}): ConnectRun => {
    const child = spawn(process.execPath, [BIN, "connect", ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
        HOME: home,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, out: () => out, err: () => err, exit };
  };
  const doctor = async (
    env: Record<string, string>,
  ): Promise<{ code: number | null; out: string }> => {
    const child = spawn(process.execPath, [BIN, "doctor"], {
      env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    return { code, out };
  };
  return {
    get emu() {
      return emu;
    },
    get home() {
      return home;
    },
    run,
    doctor,
  };
}
