// The one error the peer-tool helpers throw on purpose: a caller passed something unusable.
import { MoleculeError } from "../transport/index.js";

/**
 * A peer tool was built with unusable input: a peer without an id, an invalid tool name, a client
 * without the methods the tool needs, two peers given the same name (code `invalid_argument`), or
 * a filter or `names` entry that matches none of the listed peers (code `peer_filter_unmatched`).
 * Never retryable (fix the call).
 */
export class PeerToolConfigError extends MoleculeError {
  constructor(
    message: string,
    code: "invalid_argument" | "peer_filter_unmatched" = "invalid_argument",
  ) {
    super(message, { code, retryable: false });
  }
}
