// `send_message_to_user` as an AI SDK tool: a message with files to the canvas user in one call
// (core's tool spec: upload, then notify with the refs; a bad argument or a failure is one
// `Error: ` line the model reads).
import {
  sendToUserToolSpec,
  type SendToUserClient,
  type SendToUserToolOptions,
} from "@molecule-ai/agent-core/files";
import { tool, type Tool } from "ai";

export type { SendToUserClient, SendToUserToolOptions } from "@molecule-ai/agent-core/files";

/** The tool {@link sendToUserTool} returns (add it to a `ToolSet` as `send_message_to_user`). */
export type SendToUserTool = Tool<{ message: unknown; attachments?: unknown }, string>;

/**
 * A tool that sends the canvas user a message with files (`client.notify(text, { files })`):
 * attachments are `{ name, content }` text the model writes, or, with `attachmentsDir`, paths of
 * files in that folder (nothing outside it is ever read). Returns one line: what was sent, or
 * `Error: …`.
 *
 * @example
 * const tools = { ...(await peerTools(client)), send_message_to_user: sendToUserTool(client) };
 */
export function sendToUserTool(
  client: SendToUserClient,
  options: SendToUserToolOptions = {},
): SendToUserTool {
  const spec = sendToUserToolSpec(client, options);
  return tool({
    description: spec.description,
    inputSchema: spec.schema,
    execute: (input, { abortSignal }) => spec.run(input, abortSignal),
  });
}
