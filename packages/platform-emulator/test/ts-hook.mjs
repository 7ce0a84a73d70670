// Lets `node` run the package's TypeScript sources directly in tests: `./x.js` -> `./x.ts`.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith(".") && specifier.endsWith(".js"))
        return next(specifier.slice(0, -3) + ".ts", context);
      throw err;
    }
  },
});
