// Plugin install memory: installs a 50 MiB plugin (incompressible data in several files) from the
// platform emulator (running in its own process) and samples this process's memory every 2 ms.
// Two measurements, each in a fresh child process so neither inherits the other's heap:
//   - `installPlugin` (the SDK: the download is streamed through gunzip into tar, never held);
//   - "buffer then extract": a TypeScript re-implementation of the Python reference SDK's approach
//     (`resp.content`, then extract from memory): the whole download collected into one Buffer and
//     then fed to the same extractor. Rounds rotate the order of the two.
// Target: the SDK's install grows the process's memory (RSS) by less than 64 MiB.
//
//   ./dev bench plugin-install   (or: node bench/src/plugin-install.ts --mib 50 --files 10 --rounds 3)
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { extractPluginArchive, installPlugin } from "@molecule-ai/agent-core/plugins";
import { PlatformClient } from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import type { EmulatorProcess } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios } from "./harness/stats.ts";

const MiB = 1024 * 1024;
const TARGET_GROWTH_MIB = 64;

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "50" },
    files: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    child: { type: "string" },
    url: { type: "string" },
    workspace: { type: "string" },
    token: { type: "string" },
    dir: { type: "string" },
  },
});

interface Measurement {
  peakRssGrowthMiB: number;
  peakArrayBuffersGrowthMiB: number;
  seconds: number;
  installedMiB: number;
}

if (values.child !== undefined) {
  // ---- child: one measured install --------------------------------------------------------
  const client = new PlatformClient({
    platformUrl: values.url as string,
    workspaceId: values.workspace as string,
    token: values.token as string,
  });
  const dir = values.dir as string;
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakAb = base.arrayBuffers;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.arrayBuffers > peakAb) peakAb = m.arrayBuffers;
  }, 2);
  const started = performance.now();
  let installedBytes: number;
  if (values.child === "streamed") {
    const result = await installPlugin(client, "big", { dir, report: false });
    installedBytes = result.bytes;
  } else {
    // The reference's approach: hold the whole download, then extract from memory.
    const { body } = await client.downloadPlugin("big");
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const whole = Buffer.concat(chunks);
    const target = join(dir, "big");
    await mkdir(target, { recursive: true });
    const result = await extractPluginArchive(Readable.from([whole]), target);
    installedBytes = result.bytes;
  }
  const seconds = (performance.now() - started) / 1000;
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakAb = Math.max(peakAb, m.arrayBuffers);
  clearInterval(sampler);
  await client.close();
  const out: Measurement = {
    peakRssGrowthMiB: (peakRss - base.rss) / MiB,
    peakArrayBuffersGrowthMiB: (peakAb - base.arrayBuffers) / MiB,
    seconds,
    installedMiB: installedBytes / MiB,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  // ---- parent: make the plugin, start the emulator, run both children ---------------------
  const totalMiB = Number(values.mib);
  const fileCount = Number(values.files);
  const ROUNDS = Number(values.rounds);
  const root = await mkdtemp(join(tmpdir(), "bench-plugin-"));
  const pluginDir = join(root, "served", "big");
  await mkdir(join(pluginDir, "data"), { recursive: true });
  const perFile = Math.floor((totalMiB * MiB) / fileCount);
  for (let i = 0; i < fileCount; i++) {
    const fh = await open(join(pluginDir, "data", `blob-${i}.bin`), "w");
    for (let left = perFile; left > 0; left -= MiB)
      await fh.write(randomBytes(Math.min(MiB, left)));
    await fh.close();
  }
  const fh = await open(join(pluginDir, "plugin.yaml"), "w");
  await fh.write("name: big\nversion: 1.0.0\n");
  await fh.close();

  let emulator: EmulatorProcess | undefined;
  try {
    emulator = await spawnEmulator(["--plugins-dir", join(root, "served")]);
    const { url, adminToken } = emulator;
    const admin = new AdminClient({ platformUrl: url, adminToken });
    const ws = await admin.createExternalWorkspace({ name: "bench-plugins" });
    const self = fileURLToPath(import.meta.url);
    const measure = (mode: string, round: number): Measurement => {
      const dir = join(root, `installed-${mode}-${round}`);
      const json = execFileSync(
        process.execPath,
        [
          "--expose-gc",
          self,
          "--child",
          mode,
          "--url",
          url,
          "--workspace",
          ws.id,
          // `=`: a token may begin with "-", which parseArgs refuses as a separate argument.
          `--token=${ws.token as string}`,
          "--dir",
          dir,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      return JSON.parse(json.trim().split("\n").pop() as string) as Measurement;
    };
    const r = await runRounds(["streamed", "buffered"] as const, ROUNDS, async (mode, round) => {
      const m = measure(mode, round);
      console.log(
        `  round ${round + 1} ${mode}: peak RSS growth ${m.peakRssGrowthMiB.toFixed(1)} MiB, ${m.seconds.toFixed(2)} s`,
      );
      return m;
    });
    const growth = (mode: "streamed" | "buffered") => r[mode].map((m) => m.peakRssGrowthMiB);
    const ours = "installPlugin (streamed through gunzip into tar)";
    const peer =
      "a TypeScript re-implementation of the Python reference's buffered install (whole download in one Buffer, then the same extractor)";
    await writeResult({
      name: "plugin-install",
      description: `Peak RSS growth while installing a ${totalMiB} MiB plugin (${fileCount} incompressible files) from the emulator (child process); each install in a fresh process sampling its memory every 2 ms; ${ROUNDS} rounds, order rotated.`,
      rounds: ROUNDS,
      figures: [
        {
          figure: `peak RSS growth, ${totalMiB} MiB plugin`,
          ours,
          peer,
          unit: "MiB",
          oursValue: median(growth("streamed")),
          peerValue: median(growth("buffered")),
          ratio: pairedRatios(growth("streamed"), growth("buffered")),
          target: { on: "ours", op: "<=", value: TARGET_GROWTH_MIB },
        },
        {
          figure: "install time",
          ours,
          peer,
          unit: "s",
          oursValue: median(r.streamed.map((m) => m.seconds)),
          peerValue: median(r.buffered.map((m) => m.seconds)),
          ratio: pairedRatios(
            r.streamed.map((m) => m.seconds),
            r.buffered.map((m) => m.seconds),
          ),
        },
      ],
      notes: [
        "the buffered side is our own code doing what the Python SDK does (`resp.content`, then extract), not the Python SDK itself.",
      ],
    });
  } finally {
    if (emulator !== undefined) {
      const exited = new Promise((r) => emulator?.child.once("exit", r));
      emulator.child.kill("SIGTERM");
      await exited;
    }
    await rm(root, { recursive: true, force: true });
  }
}
