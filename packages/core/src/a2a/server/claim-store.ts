// The contract of a store where pushed messages are claimed, so that one instance of many handles
// each (`SharedStore.claimPush` of a shared agent store, and the `claims` option of
// `createA2AHandler`): what a claim answers, and how a claimed message is settled or released.
// The handler's use of it is push-claims.ts.

/** Options of {@link PushClaimStore.claimPush}. */
export interface PushClaimOptions {
  /**
   * The fingerprint of the message's content: the base64url SHA-256 of its contextId (as sent),
   * taskId and parts (43 characters). No sender of a push is authenticated, so a message is its
   * messageId and its content: another message sent under the same messageId is claimed, counted
   * and answered apart. Default "".
   */
  content?: string;
  /**
   * Whether this replica runs no other pushed message (default true): only then may a message
   * claimed before and never settled be claimed again.
   */
  alone?: boolean;
}

/** The answer to {@link PushClaimStore.claimPush}. */
export type PushClaimResult =
  /** This replica handles it. */
  | { status: "claimed"; claim: PushClaim }
  /**
   * Handled already (on any replica): answer with the stored reply; `asked` when the handler
   * answered with a question (`askForInput`), so the reply is the question's A2A task.
   */
  | { status: "settled"; reply: string | undefined; asked?: boolean }
  /** Being handled by another replica right now: the sender should retry later. */
  | { status: "busy" }
  /**
   * Claimed before and never settled, and the claim was not `alone`: claim it again with
   * `alone: true` once this replica runs nothing else, so that only a message that crashes its
   * process accrues deliveries.
   */
  | { status: "redelivered" }
  /**
   * Dead-lettered: delivered `maxDeliveries` times without settling, never run again. `first` is
   * true for the delivery that dead-lettered it (the one that reports it, once).
   */
  | { status: "dead"; deliveries: number; first: boolean };

/** A pushed message claimed by this replica: settle or release it. */
export interface PushClaim {
  /** Whether a previous claim of this message expired (its replica died mid-message). */
  readonly redelivered: boolean;
  /**
   * The message is done; `reply` is what later deliveries of its `messageId` get, as the task of a
   * question when `options.asked` (the handler answered with `askForInput`): store both.
   */
  settle(reply: string | undefined, options?: { asked?: boolean }): Promise<void>;
  /** The message was not handled (the agent stopped): another delivery may take it. */
  release(): Promise<void>;
}

/**
 * Where pushed messages are claimed so that each is handled once by one of many instances (the
 * `claims` option of `createA2AHandler` and `createPeerRequestHandler`): `createPostgresClaims`
 * from `@molecule-ai/postgres`. Its {@link PushClaimStore.claimPush} is the one of a shared agent
 * store (`SharedStore.claimPush`).
 */
export interface PushClaimStore {
  /**
   * Claims a pushed message of `workspaceId` by its A2A `messageId` and `options.content`: see
   * {@link PushClaimResult}. Throws when the store cannot be reached (the message is then not run).
   */
  claimPush(
    workspaceId: string,
    messageId: string,
    options?: PushClaimOptions,
  ): Promise<PushClaimResult>;
}
