import { defineProjectConfig } from "@internal/config/vitest";

// The NestJS module is built with decorators: transform like the nestjs package's own tests.
export default defineProjectConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
});
