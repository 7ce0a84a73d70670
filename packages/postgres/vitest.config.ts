import { defineProjectConfig } from "@internal/config/vitest";

// One PostgreSQL server per run (test/global-setup.ts); a database per test file. The Nest test's
// decorators need TypeScript's legacy decorators and decorator metadata (vite 8 / oxc). The files
// share their workers' modules (loaded once per worker, not once per file).
export default defineProjectConfig(
  {
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: {
      globalSetup: ["./test/global-setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  },
  { isolated: [], sharedSetup: ["test/fresh-state.ts"] },
);
