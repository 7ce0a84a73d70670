// `send_message_to_user` as a LangChain tool: a message with files to the canvas user in one call
// (core's tool spec: upload, then notify with the refs; a bad argument or a failure is one
// `Error: ` line the model reads).
import { tool } from "@langchain/core/tools";
import {
  sendToUserToolSpec,
  type SendToUserClient,
  type SendToUserToolOptions,
} from "@molecule-ai/agent-core/files";

export type { SendToUserClient, SendToUserToolOptions } from "@molecule-ai/agent-core/files";

/**
 * A tool that sends the canvas user a message with files (`client.notify(text, { files })`):
 * attachments are `{ name, content }` text the model writes, or, with `attachmentsDir`, paths of
 * files in that folder (nothing outside it is ever read). Answers one line: what was sent, or
 * `Error: …`.
 *
 * @example
 * const agent = createAgent({ model, tools: [...(await loadPeerTools(client)), createSendToUserTool(client)] });
 */
export function createSendToUserTool(
  client: SendToUserClient,
  options: SendToUserToolOptions = {},
) {
  const spec = sendToUserToolSpec(client, options);
  return tool((input, config) => spec.run(input, config?.signal), {
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
  });
}
