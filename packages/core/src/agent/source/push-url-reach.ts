// At a push agent's start: a loopback push URL registered with a platform that is not on loopback.
import { classifyAddress, isIpLiteral } from "../../a2a/index.js";
import { hideUrlSecret, type Logger } from "../../transport/index.js";

/** Whether `url`'s host is this machine's loopback (`localhost`, `*.localhost`, 127.0.0.0/8, ::1). */
function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  return isIpLiteral(host) && classifyAddress(host.replace(/^\[|\]$/g, "")) === "loopback";
}

/**
 * The warning for a push URL the platform most likely cannot reach, or `undefined`: the push URL
 * is on loopback (`localhost`, 127.x, ::1) and the platform URL is not. Such a platform runs on
 * another machine, where that address is its own; and outside development mode a platform refuses
 * loopback URLs altogether (register refuses loopback IP literals; a call to a `localhost` URL
 * answers the sender `502 "workspace URL is not publicly routable"`), which every hosted (SaaS)
 * platform is. A warning, not a refusal: a platform on this machine addressed by another name
 * (its LAN address, `host.docker.internal`) still reaches it in development mode.
 */
export function unreachablePushUrl(
  platformUrl: string | undefined,
  pushUrl: string,
): string | undefined {
  if (!platformUrl || isLoopbackUrl(platformUrl) || !isLoopbackUrl(pushUrl)) return undefined;
  return (
    `the push URL ${hideUrlSecret(pushUrl)} is on loopback, but the platform ${platformUrl} is not: ` +
    "unless the platform runs on this machine, no message will arrive (a hosted platform refuses loopback URLs; " +
    'its senders get 502 "workspace URL is not publicly routable"): set MOLECULE_PUBLIC_URL (publicUrl) to a URL ' +
    "the platform can reach (a tunnel, or this host's public name), or use poll delivery"
  );
}

/** Logs {@link unreachablePushUrl}'s warning for `client`'s platform, if any. */
export function warnUnreachablePushUrl(client: object, pushUrl: string, logger: Logger): void {
  const platformUrl = (client as { readonly platformUrl?: unknown }).platformUrl;
  const warning = unreachablePushUrl(
    typeof platformUrl === "string" ? platformUrl : undefined,
    pushUrl,
  );
  if (warning) logger.warn?.(warning);
}
