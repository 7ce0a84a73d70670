// A tool's run as data (its answer and artifact, or its failure) and what the model gets for a
// failure under the tool's `onError`: the one error policy of the tools an adapter builds.
import { sanitizePeerText } from "../a2a/index.js";
import type { PeerCallResult } from "../platform/index.js";
import { isPeerSideError } from "./classify.js";
import { errorFields } from "./error-fields.js";
import type { OnPeerError, PeerToolErrorArtifact } from "./peer-tool-types.js";

/** A tool run's result, or its failure (with `text` when it was classed as the peer's). */
export type ToolStep<A> =
  | { ok: true; text: string; artifact: A }
  | {
      ok: false;
      error: unknown;
      peer: PeerToolErrorArtifact["peer"];
      text?: string;
      result?: PeerCallResult;
    };

/** A failed {@link ToolStep}. */
export type FailedToolStep = Extract<ToolStep<unknown>, { ok: false }>;

/** What the model gets for a failed step: the tool's content and its error artifact. */
export interface FailedStepAnswer {
  content: string;
  artifact: PeerToolErrorArtifact;
}

/**
 * The answer to a failed step under `onError`: the text for the model (the function's, else the
 * step's, else a note naming the peer) and the error artifact. Rethrows the step's error for
 * `"throw"`, and for a failure with no text that is not the peer's (`isPeerSideError`: bad token,
 * removed workspace, abort, bugs).
 */
export function failedStepAnswer(
  step: FailedToolStep,
  onError: OnPeerError,
  signal?: AbortSignal,
): FailedStepAnswer {
  const { error, peer } = step;
  if (onError === "throw" || (step.text === undefined && !isPeerSideError(error, signal))) {
    throw error;
  }
  const artifact: PeerToolErrorArtifact = { peer, error: errorFields(error) };
  if (step.result) artifact.result = step.result;
  const content =
    typeof onError === "function"
      ? onError(error, { peer })
      : (step.text ?? `Error: the call to "${sanitizePeerText(peer.name)}" failed`);
  return { content, artifact };
}
