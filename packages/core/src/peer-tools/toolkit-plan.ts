// A peer toolkit's tools, planned from the listed peers: the selected peers' tools, named clear of
// the built-in `list_peers` and delegation tools, and the built-ins' options.
import type { Peer } from "../platform/index.js";
import type {
  DelegateToolOptions,
  ListPeersToolOptions,
  PeerToolkitOptions,
} from "./peer-tool-options.js";
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
  const peerTools = planPeerTools(listed, { ...options, reservedNames });
  const peers = peerTools.map((t) => t.peer);
  const plan: PeerToolkitPlan = { peers, peerTools };
  if (listPeersOptions) plan.listPeers = listPeersOptions;
  if (delegateOptions) {
    const allowedPeerIds = peers.map((p) => p.id);
    plan.delegate = { ...shared, allowedPeerIds, ...delegateOptions };
  }
  return plan;
}
