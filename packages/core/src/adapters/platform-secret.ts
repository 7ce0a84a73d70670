// The platform's push secret for a serverless or edge route (`platformSecret` of
// `createPeerRequestHandler`, `createMessageEndpoint` and `createA2AHandler`): a route instance
// keeps nothing between invocations but its module scope, so it learns the secret from the
// platform itself. Register and every heartbeat answer `platform_inbound_secret` (August 2026),
// which the client keeps (`client.files.inboundSecret`); an instance that has none asks with one
// heartbeat (a workspace token's own call, which also says the workspace is alive), and after a
// bearer that does not match asks again at most once a minute, so a rotated secret is picked up
// while a stranger's flood costs one platform call a minute.
import type { PlatformSecretSource } from "../a2a/index.js";

/** The part of `PlatformClient` {@link platformSecretOf} uses. */
export interface PlatformSecretClient {
  /** `files.inboundSecret`: the newest secret register or a heartbeat answered. */
  readonly files?: { readonly inboundSecret?: string | undefined } | undefined;
  /** One heartbeat: its answer carries the secret (and says the workspace is alive). */
  heartbeat(): Promise<unknown>;
}

/** The shortest time between two heartbeats asked for by requests (a failed one included). */
const ASK_EVERY_MS = 60_000;
/** ...when no secret is known at all: a platform that was down is asked again sooner. */
const ASK_UNKNOWN_EVERY_MS = 5_000;

/**
 * The newest platform secret `client` knows, for a route's `platformSecret` option; asks the
 * platform (one heartbeat, shared by concurrent requests) when it knows none, or after a mismatch
 * at most once a minute. A heartbeat that fails leaves the secret unknown: the route answers `503`
 * with `Retry-After`, and runs nothing.
 *
 * @example
 * export const POST = createPeerRequestHandler({ client, handler, basePath: "/api/molecule",
 *   pathSecret, platformSecret: platformSecretOf(client) });
 */
export function platformSecretOf(client: PlatformSecretClient): PlatformSecretSource {
  let asking: Promise<unknown> | undefined;
  let askedAt = -Infinity;
  return async (refresh) => {
    const known = client.files?.inboundSecret;
    if (known && !refresh) return known;
    const every = known ? ASK_EVERY_MS : ASK_UNKNOWN_EVERY_MS;
    if (asking === undefined && performance.now() - askedAt >= every) {
      askedAt = performance.now();
      asking = client.heartbeat().finally(() => (asking = undefined));
    }
    await asking?.catch(() => undefined);
    return client.files?.inboundSecret;
  };
}
