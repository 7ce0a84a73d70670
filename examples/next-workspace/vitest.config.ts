import { defineProjectConfig } from "@internal/config/vitest";

// The tests run `next build` then `next start`: allow for a loaded machine. Files run one at a
// time: two `next build`s of this app at once would write the same `.next/`.
export default defineProjectConfig({
  test: { testTimeout: 120_000, hookTimeout: 400_000, fileParallelism: false },
});
