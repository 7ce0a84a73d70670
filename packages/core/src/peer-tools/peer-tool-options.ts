// The options of the peer-tool factories an adapter offers: one peer tool, the `list_peers` and
// delegation tools, a whole tool set. Framework-neutral: the adapter maps them onto its tool type.
import type { Peer } from "../platform/index.js";
import type { PeerToolCallSettings } from "./outcome.js";
import type { OnPeerError } from "./peer-tool-types.js";
import type { PeerToolPlanOptions } from "./plan.js";
import type { PeerSelection } from "./select.js";
import type { WorkLedger } from "./work.js";

/** Options of a tool that calls one peer. */
export interface PeerToolOptions extends PeerToolCallSettings {
  /**
   * Tool name; default `call_<slug of the peer name>` (in a tool set, peers whose names collide
   * get an id suffix: see `uniquePeerToolNames`).
   */
  name?: string;
  /** Tool description; default built from the peer's name, role and agent card. */
  description?: string;
  /**
   * What happens when the peer fails (down, slow, 429/5xx, unknown, failed task): `"return"`
   * (default) gives the model an error tool result and the run continues; `"throw"` rethrows;
   * a function returns the error text for the model. Auth, removed-workspace, configuration and
   * abort errors always throw.
   */
  onError?: OnPeerError;
  /** Route through the platform proxy (default) or call the peer's URL directly. */
  via?: "proxy" | "direct";
  /** Extra tool metadata (merged with the package's own marker). */
  metadata?: Record<string, unknown>;
  /**
   * Where an unfinished task the peer answers with (`working`, `input-required`) is held, so the
   * follow-up tools (`check_delegation`, ...) of the same ledger may reach it. A toolkit with
   * `delegations` sets it.
   */
  ledger?: WorkLedger;
}

/** Options of the `list_peers` tool. */
export interface ListPeersToolOptions extends PeerSelection<Peer> {
  /** Tool name; default `list_peers`. */
  name?: string;
  /** Tool description. */
  description?: string;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

/** Options of the `delegate_to_peer` tool. */
export interface DelegateToolOptions {
  /** Tool name; default `delegate_to_peer`. */
  name?: string;
  /** Tool description. */
  description?: string;
  /** Peer ids the model may delegate to; others are refused with an error message. */
  allowedPeerIds?: Iterable<string>;
  /**
   * The idempotency key of a delegation. Default: `makeIdempotencyKey("<peerId>:<task>")`, so a
   * retried tool call within the same minute does not delegate twice, and the same task sent to
   * two peers does not collide (the platform scopes keys per source workspace, not per target).
   */
  idempotencyKey?: (input: { peerId: string; task: string; toolCallId?: string }) => string;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

/**
 * Options of the follow-up tools (`check_delegation`, `wait_for_delegation`, `cancel_delegation`,
 * `list_delegations`): their names, the ledger of held tasks, the wait's bounds.
 */
export interface WorkToolsOptions {
  /** The tools' names; defaults `check_delegation`, `wait_for_delegation`, `cancel_delegation`, `list_delegations`. */
  names?: { check?: string; wait?: string; cancel?: string; list?: string };
  /** The peer tasks this agent holds; a toolkit makes one and gives it to its peer tools. */
  ledger?: WorkLedger;
  /** The most a wait lasts in ms, whatever the model asks (default 120 000). */
  maxWaitMs?: number;
  /** How often a wait re-reads a delegation's rows, in ms (default 2000). */
  pollMs?: number;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

/** Options of loading every peer as a tool: peer filters, names, and the options of every peer tool. */
export interface LoadPeerToolsOptions
  extends Omit<PeerToolOptions, "name" | "description">, PeerToolPlanOptions {
  /** Search text passed to `client.listPeers({ q })`. */
  query?: string;
  /** Bypass the client's peer cache. */
  fresh?: boolean;
  /** Cancels the peer listing. */
  signal?: AbortSignal;
}

/** Options of a peer toolkit: the peer tools of {@link LoadPeerToolsOptions}, plus the built-ins. */
export interface PeerToolkitOptions extends LoadPeerToolsOptions {
  /** Add the `list_peers` tool (default true; `false` to leave it out, or its options). */
  listPeers?: boolean | ListPeersToolOptions;
  /** Add the `delegate_to_peer` tool (default true; `false` to leave it out, or its options). */
  delegate?: boolean | DelegateToolOptions;
  /**
   * Add the follow-up tools of the work this agent started (`check_delegation`,
   * `wait_for_delegation`, `cancel_delegation`, `list_delegations`; default false, `true` or
   * their options). The client then needs `listDelegations` and `peerTasks` too.
   */
  delegations?: boolean | WorkToolsOptions;
}
