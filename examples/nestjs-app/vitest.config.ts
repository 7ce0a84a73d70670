import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (NestJS and the SDK load once per worker, not per
// file); test/fresh-state.ts forgets the SDK's process-wide state before each one.
// Nest reads constructor parameter types from `design:paramtypes`: transform the test files with
// TypeScript's legacy decorators and decorator metadata (vite 8 / oxc).
export default defineProjectConfig(
  {
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  },
  { isolated: [], sharedSetup: ["test/fresh-state.ts"] },
);
