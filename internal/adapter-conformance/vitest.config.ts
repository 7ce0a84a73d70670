import { defineProjectConfig } from "@internal/config/vitest";

// The NestJS module is built with decorators: transform like the nestjs package's own tests. The
// files share their workers' modules (each framework is loaded once per worker, not once per file).
export default defineProjectConfig(
  { oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } } },
  { isolated: [], sharedSetup: ["test/fresh-state.ts"] },
);
