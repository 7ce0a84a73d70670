// The agent card a client registered, how an update keeps it, and a sync that sends the card again
// when what it advertises changes (an adapter's tools or skills). The platform replaces the whole
// card on every update, so each update carries the full card: what it leaves out is kept from the
// registered one (the `url` the transcript route needs, `capabilities`), unless it replaces it.
import type { A2AAgentSkill, AgentCard } from "../a2a/index.js";
import { checkCardSize } from "./card-size.js";

/** Options of a card update (`PlatformClient.updateAgentCard`, `AgentCardSync`). */
export interface CardUpdateOptions {
  signal?: AbortSignal | undefined;
  /**
   * `true`: send the card exactly as given, dropping what the registered card had and it leaves
   * out (its `url` too: the platform's transcript route then answers 404). Default: each
   * top-level field the card leaves out is kept from the card registered or last sent.
   */
  replace?: boolean | undefined;
}

/** What {@link AgentCardSync} needs of a platform client. */
export interface CardUpdater {
  updateAgentCard(card: AgentCard, options?: CardUpdateOptions): Promise<void>;
}

/** The card a client registered or last sent, and the card an update sends on top of it. */
export class RegisteredCard {
  #card: AgentCard | undefined;

  /** A copy of the card the platform holds from this client, `undefined` before one was sent. */
  get card(): AgentCard | undefined {
    return this.#card === undefined ? undefined : structuredClone(this.#card);
  }

  /** Records a card the platform accepted. */
  set(card: AgentCard): void {
    this.#card = structuredClone(card);
  }

  /** The card to send for an update: `card` over the registered one, or `card` alone (`replace`). */
  merged(card: AgentCard, replace: boolean | undefined): AgentCard {
    return replace === true || this.#card === undefined ? card : { ...this.#card, ...card };
  }
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
 * Keeps the platform's copy of the agent card current: `setSkills()` sends the card again when the
 * skills differ from the last card sent, and nothing otherwise. Through a `PlatformClient`, what
 * the card leaves out is kept from the card the client registered (a `RemoteAgent`'s `url` and
 * `capabilities`), unless `update(card, { replace: true })`.
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
  async setSkills(skills: A2AAgentSkill[], options: CardUpdateOptions = {}): Promise<boolean> {
    return await this.update({ ...this.#card, skills }, options);
  }

  /**
   * Sets the card; sends it when it differs from the last one sent (see {@link CardUpdateOptions}
   * for what the platform keeps of the registered card).
   */
  async update(card: AgentCard, options: CardUpdateOptions = {}): Promise<boolean> {
    checkCardSize(card, "AgentCardSync");
    const text = JSON.stringify(card);
    this.#card = card;
    if (text === this.#sent) return false;
    await this.#client.updateAgentCard(card, options);
    this.#sent = text;
    return true;
  }
}
