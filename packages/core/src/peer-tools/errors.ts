// The one error the peer-tool helpers throw on purpose: a caller passed something unusable.
import { MoleculeError } from "../transport/index.js";

/**
 * A peer tool was built with unusable input: a peer without an id, an invalid tool name, a client
 * without the methods the tool needs, two peers given the same name. Code `invalid_argument`;
 * never retryable (fix the call).
 */
export class PeerToolConfigError extends MoleculeError {
  constructor(message: string) {
    super(message, { code: "invalid_argument", retryable: false });
  }
}
