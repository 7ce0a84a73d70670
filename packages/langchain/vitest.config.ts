import { defineProjectConfig } from "@internal/config/vitest";

export default defineProjectConfig({
  test: {
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
