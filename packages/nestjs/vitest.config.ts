import { defineProjectConfig } from "@internal/config/vitest";

// Nest reads constructor parameter types from `design:paramtypes`: transform test files with
// TypeScript's legacy decorators and decorator metadata (vite 8 / oxc). The files share their
// workers' modules (Nest is loaded once per worker, not once per file).
export default defineProjectConfig(
  { oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } } },
  { isolated: [], sharedSetup: ["test/fresh-state.ts"] },
);
