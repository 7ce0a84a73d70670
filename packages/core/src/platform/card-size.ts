// The SDK's bound on an agent card sent to the platform (the platform accepts any size: a 2 MiB
// card was recorded as accepted; every peer and the canvas then read it).
import { utf8Length } from "../runtime/index.js";
import { invalid } from "./args.js";

/** The largest agent card (serialised JSON) the SDK sends. */
export const MAX_AGENT_CARD_BYTES = 256 * 1024;

/** Throws `invalid_argument` when `card` serialises to more than {@link MAX_AGENT_CARD_BYTES}. */
export function checkCardSize(card: unknown, op: string): void {
  const size = utf8Length(JSON.stringify(card) ?? "");
  if (size > MAX_AGENT_CARD_BYTES)
    throw invalid(
      `${op}: the agent card is ${size} bytes; at most ${MAX_AGENT_CARD_BYTES} are sent (shorten descriptions or skills)`,
    );
}
