// The serverless and edge build's modules (workerd, Next's edge runtime, a browser): the package's
// `exports` conditions `workerd`, `edge-light`, `worker` and `browser` load `dist/edge/`, built with
// this file in place of modules.ts. No `node:module`, no `createRequire` (`import.meta.url` is not
// a file there): zod is imported statically (the bundler of the Worker or route includes it), the
// transport uses the runtime's `fetch` (no undici), and tracing waits for the application to hand
// over `@opentelemetry/api` (`useOpenTelemetry`: an optional peer a bundler cannot be asked to
// resolve conditionally).
import type * as OTel from "@opentelemetry/api";
import type * as NodeDns from "node:dns";
import type * as NodeHttp from "node:http";
import type * as Undici from "undici";
import * as zod from "zod";

/** No Node http server here: `startA2AServer` refuses (`handleFetch` serves a route instead). */
export function loadNodeHttp(): typeof NodeHttp {
  throw Object.assign(
    new Error(
      "startA2AServer needs Node's http server, which this runtime does not have: serve createA2AHandler(...).handleFetch from your route instead",
    ),
    { code: "module_unavailable" },
  );
}

/**
 * `undefined`: no resolver here, so a webhook host name is checked as written (its IP literal, or
 * `localhost`); the runtime's `fetch` resolves it.
 */
export const loadNodeDns = (): typeof NodeDns | undefined => undefined;

/** No DNS here (and no transcript route, which needs a Node server): nothing resolves. */
export async function lookupAddresses(_host: string): Promise<string[]> {
  return [];
}

/** zod. */
export const loadZod = (): typeof zod => zod;

/** `undefined`: these runtimes have no undici; the transport dispatches with `fetch`. */
export const loadUndici = (): typeof Undici | undefined => undefined;

/** `undefined`: the edge build traces only with the API given to `useOpenTelemetry`. */
export const loadOTel = (): typeof OTel | undefined => undefined;
