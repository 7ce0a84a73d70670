// After a push registration: check that the platform holds the URL just registered.
import { describe, type Logger, hideUrlSecret, MoleculeError } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";
import { warnUnreachablePushUrl } from "./push-url-reach.js";

/**
 * Warns when the URL is on loopback and the platform is not (`warnUnreachablePushUrl`). Then reads
 * the workspace back (`getWorkspace`) and throws `MoleculeError` `push_url_not_held` when
 * the platform kept another URL: the April-2026 platform keeps an existing `http://127.0.0.1…`
 * URL on re-register, so messages would go to an address this agent does not serve. A failed
 * read is only logged (the check cannot run on that platform or with those credentials).
 */
export async function checkRegisteredUrl(
  client: AgentPlatformClient,
  url: string,
  logger: Logger,
): Promise<void> {
  warnUnreachablePushUrl(client, url, logger);
  if (!client.getWorkspace) return;
  let held: string | null | undefined;
  try {
    held = (await client.getWorkspace()).url;
  } catch (error) {
    logger.warn?.("could not read back the registered push URL", { error: describe(error) });
    return;
  }
  if (held === undefined || held === url) return;
  const heldUrl = held ?? "";
  const sticky = heldUrl.startsWith("http://127.0.0.1");
  let port = "";
  try {
    port = new URL(heldUrl).port;
  } catch {
    /* no URL held */
  }
  throw new MoleculeError(
    `the platform kept ${heldUrl ? hideUrlSecret(heldUrl) : "no URL"} for workspace ${client.workspaceId} ` +
      `instead of the push URL just registered (${hideUrlSecret(url)}), so messages would not reach this agent. ` +
      (sticky
        ? "The April-2026 platform keeps an existing http://127.0.0.1… URL when a workspace re-registers. " +
          `Fix: serve that URL (delivery: { mode: "push", port: ${port || "<its port>"}, pathSecret: "<its last path segment>" }), ` +
          "or have an admin delete the workspace and create a new one (its first registration takes the new URL)."
        : "Fix: check that nothing else registers this workspace (another process or replica with another URL), then restart."),
    { code: "push_url_not_held", retryable: false },
  );
}
