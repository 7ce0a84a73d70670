import { defineProjectConfig } from "@internal/config/vitest";

// Type tests (test/*.test-d.ts) run with `vitest --typecheck` through tsc (TypeScript 7).
export default defineProjectConfig({
  test: {
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
