// Escalations: a direct child's approval request, seen on the parent's event stream
// (`APPROVAL_ESCALATED`). The parent cannot decide it; it can notify a person or add context.
import { neutralizePeerMarkers } from "../a2a/index.js";
import { describe, type Logger, MoleculeError } from "../transport/index.js";
import type { ApprovalClient } from "./approvals.js";
import { readWorkspaceEvents } from "./workspace-events.js";

/** A child workspace asked a person for approval (seen by its direct parent). */
export interface ApprovalEscalation {
  approvalId: string;
  /** The child that asked (set by the platform from the child's token). */
  fromWorkspaceId: string;
  /** The child's words: peer text, spoofed trust markers neutralised. */
  action: string;
  reason: string;
}

/**
 * Watches this workspace's event stream for `APPROVAL_ESCALATED` (a direct child asked for
 * approval). The parent cannot decide with its own token; notify a person or add context.
 */
export class ApprovalEscalationWatcher {
  readonly #client: Pick<ApprovalClient, "openEventStream">;
  readonly #on: (e: ApprovalEscalation) => void;
  readonly #logger: Logger | undefined;
  #stop: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #opened: Promise<void> | undefined;

  constructor(options: {
    client: Pick<ApprovalClient, "openEventStream">;
    onEscalation: (e: ApprovalEscalation) => void;
    logger?: Logger;
  }) {
    this.#client = options.client;
    this.#on = options.onEscalation;
    this.#logger = options.logger;
  }

  /** Starts watching; resolves once the stream is open (the escalations after it are seen). */
  start(): Promise<void> {
    if (this.#opened) return this.#opened;
    if (this.#client.openEventStream === undefined)
      return Promise.reject(
        new MoleculeError("this platform client has no openEventStream", { code: "unsupported" }),
      );
    const stop = (this.#stop = new AbortController());
    this.#opened = new Promise<void>((resolve) => {
      this.#loop = readWorkspaceEvents(
        this.#client,
        stop.signal,
        (name, d) => {
          if (name !== "APPROVAL_ESCALATED" || typeof d["approval_id"] !== "string") return;
          try {
            this.#on({
              approvalId: d["approval_id"],
              fromWorkspaceId:
                typeof d["from_workspace_id"] === "string" ? d["from_workspace_id"] : "",
              action: neutralizePeerMarkers(typeof d["action"] === "string" ? d["action"] : ""),
              reason: neutralizePeerMarkers(typeof d["reason"] === "string" ? d["reason"] : ""),
            });
          } catch (err) {
            this.#logger?.warn?.("an approval escalation handler threw", { error: describe(err) });
          }
        },
        resolve,
        this.#logger,
      );
    });
    return this.#opened;
  }

  /** Stops watching and closes the stream. */
  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#loop;
  }
}

/**
 * Starts an {@link ApprovalEscalationWatcher} on `client` for a running agent and waits up to
 * `openMs` (default 10 s) for its stream to open, or for `ending` to abort (escalations sent before
 * the stream opens are missed: logged). `undefined` when the client has no event stream.
 */
export async function watchEscalations(
  client: Partial<Pick<ApprovalClient, "openEventStream">>,
  onEscalation: (e: ApprovalEscalation) => void,
  ending: AbortSignal,
  logger: Logger,
  openMs = 10_000,
): Promise<ApprovalEscalationWatcher | undefined> {
  if (typeof client.openEventStream !== "function") {
    logger.warn?.("approvalEscalated: this client has no event stream; no escalations are seen");
    return undefined;
  }
  const watcher = new ApprovalEscalationWatcher({
    client: client as Pick<ApprovalClient, "openEventStream">,
    onEscalation,
    logger,
  });
  let timer: NodeJS.Timeout | undefined;
  let onEnd: (() => void) | undefined;
  const opened = await Promise.race([
    watcher.start().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), openMs);
      onEnd = () => resolve(true);
      ending.addEventListener("abort", onEnd, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onEnd) ending.removeEventListener("abort", onEnd);
  if (!opened)
    logger.warn?.(
      "approvalEscalated: the event stream is not open yet; escalations before it opens are missed",
    );
  return watcher;
}
