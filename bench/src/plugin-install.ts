// Plugin install memory: installs a 50 MiB plugin (incompressible data in several files) from the
// platform emulator (running in its own process) and samples this process's memory every 2 ms.
// Two measurements, each in a fresh child process so neither inherits the other's heap:
//   - `installPlugin` (the SDK: the download is streamed through gunzip into tar, never held);
//   - "buffer then extract": the Python reference SDK's approach (`resp.content`, then extract from
//     memory), here the whole download collected into one Buffer and then fed to the same extractor.
// Target: the SDK's install grows the process's memory (RSS) by less than 64 MiB.
//
//   ./dev pnpm --filter @molecule-ai/agent-core build && ./dev pnpm --filter @molecule-ai/platform-emulator build
//   ./dev pnpm --filter @internal/bench run plugin-install [-- --mib 50 --files 10]
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  AdminClient,
  extractPluginArchive,
  installPlugin,
  PlatformClient,
} from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import type { EmulatorProcess } from "./emulator-process.ts";
import { fmt, printTable } from "./report.ts";

const MiB = 1024 * 1024;
const TARGET_GROWTH_MIB = 64;
const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "50" },
    files: { type: "string", default: "10" },
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
    const measure = (mode: string): Measurement => {
      const dir = join(root, `installed-${mode}`);
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
          "--token",
          ws.token as string,
          "--dir",
          dir,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      return JSON.parse(json.trim().split("\n").pop() as string) as Measurement;
    };
    const streamed = measure("streamed");
    const buffered = measure("buffered");
    const row = (m: Measurement, verdict: string): Record<string, string> => ({
      "plugin MiB": fmt(m.installedMiB),
      "peak RSS growth MiB": fmt(m.peakRssGrowthMiB),
      "peak arrayBuffers growth MiB": fmt(m.peakArrayBuffersGrowthMiB),
      seconds: fmt(m.seconds, 2),
      verdict,
    });
    const pass = streamed.peakRssGrowthMiB < TARGET_GROWTH_MIB;
    printTable(
      `Plugin install memory (${totalMiB} MiB plugin in ${fileCount} files, emulator in a child process)`,
      {
        "installPlugin (streamed)": row(
          streamed,
          `${pass ? "PASS" : "FAIL"} (< ${TARGET_GROWTH_MIB} MiB)`,
        ),
        "buffer then extract (reference approach)": row(buffered, "peer"),
      },
    );
    console.log(
      `RSS growth ratio buffered/streamed: ${fmt(buffered.peakRssGrowthMiB / Math.max(streamed.peakRssGrowthMiB, 0.1), 1)}x`,
    );
    if (!pass) process.exitCode = 1;
  } finally {
    emulator?.child.kill("SIGTERM");
    await rm(root, { recursive: true, force: true });
  }
}
