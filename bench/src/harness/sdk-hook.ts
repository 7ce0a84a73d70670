// Loaded with `--import` (through NODE_OPTIONS, so every Node child a benchmark starts has it too)
// by the A/B mode (`./dev bench <name> --base <ref>`, src/harness/ab.ts): resolves every
// `@molecule-ai/*` specifier from the checkout named by BENCH_SDK_ROOT (its bench/ folder's
// node_modules, linked by pnpm to that checkout's packages/*), so today's benchmark scripts run
// another build of the SDK and the emulator. Without BENCH_SDK_ROOT it does nothing. A synchronous
// in-thread hook (module.registerHooks): no loader thread, one function call per resolution.
import { registerHooks } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = process.env.BENCH_SDK_ROOT;
if (root) {
  const parentURL = pathToFileURL(join(root, "bench", "package.json")).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      return specifier.startsWith("@molecule-ai/")
        ? nextResolve(specifier, { ...context, parentURL })
        : nextResolve(specifier, context);
    },
  });
}
