// Registering again after a resume. Pausing a workspace blanks its URL on the platform, and
// resuming leaves it `awaiting_agent` (or `provisioning`, the April 2026 server) until its agent
// registers again: a heartbeat alone never brings the URL back, so every call to it gets 503
// "workspace has no URL". An agent that did not see the pause (it came and went between two state
// checks) carries on; when a state check finds the workspace waiting for its agent, the agent
// repeats its start-up registration: the same URL, the same delivery mode, and the card the
// platform held (a card updated since start is sent again after it). The token is kept (the
// platform mints one only for a workspace that has none).
import type { AgentCard } from "../../a2a/index.js";
import type { CardUpdateOptions } from "../../platform/index.js";
import type { StartStep } from "./lifecycle.js";

/** What a client may offer to keep its card across a registration (PlatformClient does). */
interface CardKeeper {
  readonly registeredCard?: AgentCard | undefined;
  updateAgentCard?(card: AgentCard, options?: CardUpdateOptions): Promise<void>;
}

/**
 * Statuses that mean "the platform waits for this workspace's agent to register". `failed` too: on
 * a SaaS tenant a resumed external workspace goes through provisioning, which fails it
 * (`MISSING_MODEL`, handlers/workspace_restart.go at enteros-core aeec8e47) with its URL blank; only
 * a registration brings it back (registering again is harmless where it was not needed).
 */
const AWAITING = new Set(["awaiting_agent", "provisioning", "failed"]);

/** Whether a workspace in `status` waits for its agent to register (after a resume). */
export function awaitsRegistration(status: string): boolean {
  return AWAITING.has(status);
}

/** The agent's start-up registration, kept so it can be sent again. */
export class Registration {
  #again: ((signal: AbortSignal) => Promise<unknown>) | undefined;

  /** Wraps a start step so the registration it runs (the step named "register") is kept. */
  recording(step: StartStep): StartStep {
    return (what, fn) => {
      if (what === "register") this.#again = fn;
      return step(what, fn);
    };
  }

  /**
   * Sends the start-up registration again, then the card `client` last sent when it differs from
   * the one registered at start; false when the agent did not register at start.
   */
  async again(agentClient: object, signal: AbortSignal): Promise<boolean> {
    if (!this.#again) return false;
    const client = agentClient as CardKeeper; // a custom client may have neither member
    const held = client.registeredCard;
    await this.#again(signal);
    const sent = client.registeredCard;
    if (held && client.updateAgentCard && JSON.stringify(held) !== JSON.stringify(sent)) {
      await client.updateAgentCard(held, { replace: true, signal });
    }
    return true;
  }
}
