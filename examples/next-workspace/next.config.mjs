/** @type {import("next").NextConfig} */
export default {
  // `pnpm typecheck` checks the app with the repository's TypeScript (tsconfig.json).
  typescript: { ignoreBuildErrors: true, tsconfigPath: "tsconfig.next.json" },
};
