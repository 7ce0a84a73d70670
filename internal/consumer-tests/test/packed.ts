// The published packages, and their tarballs as packed once per run by global-setup.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackedPackage } from "@internal/test-utils";

/** The published packages and the type-matrix fixtures that consume each. */
export const publishedPackages = [
  { name: "@molecule-ai/agent-core", dir: "core", fixtures: ["core.ts", "core-cjs.cts"] },
  {
    name: "@molecule-ai/platform-emulator",
    dir: "platform-emulator",
    fixtures: ["platform-emulator.ts"],
  },
  { name: "@molecule-ai/langchain", dir: "langchain", fixtures: ["langchain.ts"] },
  { name: "@molecule-ai/ai-sdk", dir: "ai-sdk", fixtures: ["ai-sdk.ts"] },
  { name: "@molecule-ai/nestjs", dir: "nestjs", fixtures: ["nestjs.ts"] },
  { name: "@molecule-ai/postgres", dir: "postgres", fixtures: ["postgres.ts"] },
  { name: "@molecule-ai/mcp", dir: "mcp", fixtures: ["mcp.ts"] },
  { name: "@molecule-ai/openai-agents", dir: "openai-agents", fixtures: ["openai-agents.ts"] },
  { name: "@molecule-ai/grpc", dir: "grpc", fixtures: ["grpc.ts"] },
] as const;

/** A published package's tarball (global-setup.ts packs them; a test file reads them). */
export interface PackedTarball {
  name: string;
  /** The package's folder; its `node_modules` provides the dependencies linked into projects. */
  dir: string;
  tarball: string;
}

/**
 * The tarballs `packed` (from `inject("packed")`) with a fresh temporary folder of the test file's
 * own for the projects it unpacks them into; `dispose()` removes that folder, not the tarballs.
 */
export function withWorkFolder(packed: readonly PackedTarball[], prefix: string): PackedPackage[] {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const dispose = (): void => rmSync(work, { recursive: true, force: true });
  return packed.map((p) => ({ ...p, work, dispose }));
}
