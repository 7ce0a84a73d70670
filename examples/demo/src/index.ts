// Public API of the demo package (used by its tests and by scripts/demo.mjs through dist/cli.js).
export { runDemo } from "./main.js";
export type { DemoHop, DemoOptions, DemoReport, DemoWorkspace } from "./types.js";
