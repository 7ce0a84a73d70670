// Files in the MCP server: the content a message's files give the host when it reads the message
// (an image as `image` content, a text file as an embedded text resource, defused like the
// message's text, any other file as an embedded blob resource), and `send_message_to_user`, the
// platform's own tool name and arguments (the channel plugin's), core's tool spec: a message with
// files to the canvas user in one call. Attachments given as paths are read only inside the
// server's attachments folder (`MOLECULE_MCP_ATTACHMENTS_DIR`, default its working directory).
import type { McpServer } from "@modelcontextprotocol/server";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { sendToUserToolSpec } from "@molecule-ai/agent-core/files";
import { z } from "zod";
import type { ToolHost } from "./host.js";
import type { Inbox, InboxMessage } from "./inbox.js";
import { defusePeerText } from "./inbox-text.js";
import { guarded, ok, ready, workspaceIdArg } from "./tool-kit.js";

/** `result` with the content of the files of `messages` after its text (each file once). */
export function withFiles(
  result: CallToolResult,
  inbox: Inbox,
  messages: readonly InboxMessage[],
): CallToolResult {
  const content: CallToolResult["content"] = [...result.content];
  for (const m of messages) {
    for (const f of inbox.takeFiles(m.messageId)) {
      const uri = `molecule://files/${m.messageId}/${f.name}`;
      if (f.mediaType.startsWith("image/"))
        content.push({ type: "image", data: f.base64, mimeType: f.mediaType });
      else if (f.text !== undefined)
        content.push({
          type: "resource",
          resource: { uri, mimeType: f.mediaType, text: defusePeerText(f.text) },
        });
      else
        content.push({
          type: "resource",
          resource: { uri, mimeType: f.mediaType, blob: f.base64 },
        });
    }
  }
  return { ...result, content };
}

/** Registers `send_message_to_user`. */
export function registerFileTools(server: McpServer, host: ToolHost): void {
  const attachmentsDir = host.config.attachmentsDir ?? process.cwd();
  // The schema and description only: each call runs the spec on its workspace's client.
  const shape = sendToUserToolSpec({ notify: async () => undefined }, { attachmentsDir });
  server.registerTool(
    shape.name,
    {
      title: "Send the canvas user a message, with files",
      description: `${shape.description} Attachments given as paths are read from ${attachmentsDir} only.`,
      inputSchema: z.object({ ...shape.schema.shape, workspaceId: workspaceIdArg }),
      outputSchema: z.object({ sent: z.boolean(), attachments: z.number().int() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ message, attachments, workspaceId }, extra) =>
      guarded(host, async () => {
        const ws = await ready(host, workspaceId, extra.mcpReq.signal);
        const spec = sendToUserToolSpec(ws.client, { attachmentsDir });
        const line = await spec.run({ message, attachments }, extra.mcpReq.signal);
        const sent = !line.startsWith("Error: ");
        const count = sent && Array.isArray(attachments) ? attachments.length : 0;
        const result = ok(line, { sent, attachments: count });
        return sent ? result : { ...result, isError: true };
      }),
  );
}
