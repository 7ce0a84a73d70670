import { defineProjectConfig } from "@internal/config/vitest";

// Nest reads constructor parameter types from `design:paramtypes`: transform the test files with
// TypeScript's legacy decorators and decorator metadata (vite 8 / oxc).
export default defineProjectConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
});
