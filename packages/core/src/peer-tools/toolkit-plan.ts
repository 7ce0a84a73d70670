// A peer toolkit's tools, planned from the listed peers: the selected peers' tools, named clear of
// the built-in `list_peers` and delegation tools, and the built-ins' options.
import type { Peer } from "../platform/index.js";
import type {
  DelegateToolOptions,
  ListPeersToolOptions,
  PeerToolkitOptions,
  WorkToolsOptions,
} from "./peer-tool-options.js";
import {
  CANCEL_WORK_TOOL_NAME,
  CHECK_WORK_TOOL_NAME,
  LIST_WORK_TOOL_NAME,
  WAIT_WORK_TOOL_NAME,
  WorkLedger,
} from "./work.js";
import { planPeerTools } from "./plan.js";
import type { PlannedPeerTool } from "./plan.js";

/** The default name of a toolkit's tool that lists the peers. */
export const LIST_PEERS_TOOL_NAME = "list_peers";
/** The default name of a toolkit's tool that delegates a task without waiting. */
export const DELEGATE_TOOL_NAME = "delegate_to_peer";

/** What {@link planPeerToolkit} decides. */
export interface PeerToolkitPlan {
  /** The selected peers, in the order of `peerTools`. */
  peers: Peer[];
  /** One tool per selected peer. */
  peerTools: PlannedPeerTool[];
  /** The `list_peers` tool's options (the toolkit's filters and `onError` first); absent when left out. */
  listPeers?: ListPeersToolOptions;
  /** The delegation tool's options, limited to the selected peers by default; absent when left out. */
  delegate?: DelegateToolOptions;
  /** The follow-up tools' options, with the ledger the peer tools hold tasks in; absent unless asked. */
  work?: WorkToolsOptions & { ledger: WorkLedger };
}

/**
 * Plans a toolkit over `listed`: the peers that pass the filters, a tool for each (named clear of
 * `reservedNames` and of the built-ins' names), and the built-ins unless `listPeers` / `delegate`
 * is `false`. The built-ins share the toolkit's `onError` and filters, then take their own
 * options; the delegation tool may only reach the selected peers unless `allowedPeerIds` says else.
 */
export function planPeerToolkit(
  listed: readonly Peer[],
  options: PeerToolkitOptions = {},
): PeerToolkitPlan {
  const { listPeers = true, delegate = true, onError, include, exclude, skills } = options;
  const shared = { onError, include, exclude, skills };
  const reservedNames = [...(options.reservedNames ?? [])];
  const listPeersOptions: ListPeersToolOptions | undefined =
    listPeers === false ? undefined : { ...shared, ...(listPeers === true ? {} : listPeers) };
  const delegateOptions = delegate === false ? undefined : delegate === true ? {} : delegate;
  if (listPeersOptions) reservedNames.push(listPeersOptions.name ?? LIST_PEERS_TOOL_NAME);
  if (delegateOptions) reservedNames.push(delegateOptions.name ?? DELEGATE_TOOL_NAME);
  // `planPeerTools` selects the peers: the plan's peers are its tools' peers, in the same order.
  const work =
    options.delegations === undefined || options.delegations === false
      ? undefined
      : { onError, ...(options.delegations === true ? {} : options.delegations) };
  if (work) {
    const n = work.names ?? {};
    reservedNames.push(
      n.check ?? CHECK_WORK_TOOL_NAME,
      n.wait ?? WAIT_WORK_TOOL_NAME,
      n.cancel ?? CANCEL_WORK_TOOL_NAME,
      n.list ?? LIST_WORK_TOOL_NAME,
    );
  }
  const peerTools = planPeerTools(listed, { ...options, reservedNames });
  const peers = peerTools.map((t) => t.peer);
  const plan: PeerToolkitPlan = { peers, peerTools };
  if (work) plan.work = { ...work, ledger: work.ledger ?? new WorkLedger() };
  if (listPeersOptions) plan.listPeers = listPeersOptions;
  if (delegateOptions) {
    const allowedPeerIds = peers.map((p) => p.id);
    plan.delegate = { ...shared, allowedPeerIds, ...delegateOptions };
  }
  return plan;
}
