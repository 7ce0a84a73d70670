// The canvas user as a Nest injectable: a message with files in one call, and the
// `send_message_to_user` tool for a service that calls a model API directly.
import { Inject, Injectable } from "@nestjs/common";
import { PlatformClient } from "@molecule-ai/agent-core";
import {
  sendToUserToolSpec,
  type OutboundFile,
  type SendToUserToolOptions,
} from "@molecule-ai/agent-core/files";

/**
 * The canvas user of this workspace (the person watching it on the canvas). Files a message
 * brings in reach `@OnPeerMessage()` methods as their third argument; this sends some back.
 */
@Injectable()
export class MoleculeCanvas {
  /** @internal Created by Nest's injector. */
  constructor(@Inject(PlatformClient) private readonly client: PlatformClient) {}

  /**
   * Sends the canvas user `text` with `files` attached (paths, Blobs, or `{ name, data }`; 25 MB
   * each): uploaded first, then one notification carrying them (`client.notify(text, { files })`).
   */
  send(
    text: string,
    files: OutboundFile[] = [],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    return this.client.notify(text, { files, ...options });
  }

  /**
   * The `send_message_to_user` tool for a model API you call yourself: `name`, `description`, a
   * zod `schema` (hand its JSON Schema to the model) and `run(input, signal)`, which answers one
   * line (`Error: …` on any failure). Paths are read only inside `attachmentsDir`.
   */
  sendToUserTool(options: SendToUserToolOptions = {}): ReturnType<typeof sendToUserToolSpec> {
    return sendToUserToolSpec(this.client, options);
  }
}
