// The errors whose meaning belongs to the platform: the workspace is gone, the activity cursor is.
import { MoleculeError, type MoleculeErrorOptions } from "../transport/index.js";

/** The workspace was removed (deleted) on the platform: stop the agent. */
export class WorkspaceRemovedError extends MoleculeError {
  /** The removed workspace's id. */
  readonly workspaceId: string;

  constructor(message: string, options: MoleculeErrorOptions & { workspaceId: string }) {
    super(message, { code: "workspace_removed", ...options, retryable: false });
    this.workspaceId = options.workspaceId;
  }
}

/** The activity cursor is no longer valid (410): drop it and re-seed. */
export class CursorLostError extends MoleculeError {
  /** The cursor the platform rejected. */
  readonly cursor: string;

  constructor(message: string, options: MoleculeErrorOptions & { cursor: string }) {
    super(message, { code: "cursor_lost", status: 410, ...options, retryable: true });
    this.cursor = options.cursor;
  }
}
