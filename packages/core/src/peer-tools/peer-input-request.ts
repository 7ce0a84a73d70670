// A peer's `input-required` answer as a request for input (what a graph node interrupts with), and
// the question such a request carries.
import { stepIds } from "./peer-step.js";
import type { PeerStep } from "./peer-step.js";

/** What a graph node passes to its interrupt (e.g. LangGraph's `interrupt()`) when the peer answers `input-required`. */
export interface PeerInputRequest {
  kind: "molecule_peer_input_required";
  peerId: string;
  peerName: string;
  /** The peer's question, sanitised (untrusted peer text). */
  question: string;
  contextId?: string;
  taskId?: string;
}

/** The request for input of a step that ended `input-required` (its text is the question). */
export function peerInputRequest(
  peer: { id: string; name: string },
  step: PeerStep,
): PeerInputRequest {
  return {
    kind: "molecule_peer_input_required",
    peerId: peer.id,
    peerName: peer.name,
    question: step.text,
    ...stepIds(step),
  };
}

/**
 * The question a request for input carries: a string as is, else its `question` field (a
 * {@link PeerInputRequest}'s, or any object's with one), else its JSON.
 */
export function inputRequestQuestion(value: unknown): string {
  if (typeof value === "string") return value;
  const question = (value as { question?: unknown } | null)?.question;
  return typeof question === "string" ? question : JSON.stringify(value);
}
