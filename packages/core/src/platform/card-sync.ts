// Sends the agent card again when what it advertises changes (an adapter's tools or skills):
// the platform replaces the whole card, so each update carries the full card.
import type { A2AAgentSkill, AgentCard } from "../a2a/index.js";
import { checkCardSize } from "./card-size.js";

/** What {@link AgentCardSync} needs of a platform client. */
export interface CardUpdater {
  updateAgentCard(card: AgentCard, options?: { signal?: AbortSignal }): Promise<void>;
}

/** A tool as the adapters describe it: a name and a description. */
export interface DescribedTool {
  name: string;
  description?: string | undefined;
}

/** A2A skills for tools: one per tool, `id` and `name` = the tool name. */
export function skillsFromTools(tools: readonly DescribedTool[]): A2AAgentSkill[] {
  return tools.map((t) => ({
    id: t.name,
    name: t.name,
    description: t.description ?? "",
    tags: ["tool"],
  }));
}

/**
 * Keeps the platform's copy of the agent card current: `setSkills()` sends the whole card again
 * when the skills differ from the last card sent, and nothing otherwise.
 */
export class AgentCardSync {
  readonly #client: CardUpdater;
  #card: AgentCard;
  #sent: string | undefined;

  constructor(client: CardUpdater, card: AgentCard) {
    this.#client = client;
    this.#card = card;
  }

  /** The card as last set. */
  get card(): AgentCard {
    return this.#card;
  }

  /** Sets the card's skills; sends the card when it changed. Resolves `true` when it was sent. */
  async setSkills(
    skills: A2AAgentSkill[],
    options: { signal?: AbortSignal } = {},
  ): Promise<boolean> {
    return await this.update({ ...this.#card, skills }, options);
  }

  /** Replaces the card; sends it when it differs from the last one sent. */
  async update(card: AgentCard, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    checkCardSize(card, "AgentCardSync");
    const text = JSON.stringify(card);
    this.#card = card;
    if (text === this.#sent) return false;
    await this.#client.updateAgentCard(card, options);
    this.#sent = text;
    return true;
  }
}
