// Builds the canvas page (plain TypeScript + preact, no CDN) into the emulator's dist/canvas-page,
// which the emulator serves at /canvas/. `CANVAS_OUT_DIR` overrides the output (the package build
// writes into its staging directory).
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: "/canvas/",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: process.env["CANVAS_OUT_DIR"] ?? resolve(here, "../dist/canvas-page"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
