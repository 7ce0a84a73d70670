// The `molecule://inbox` resource: the unread messages of every workspace, as JSON. Reading it
// marks nothing read (hosts may read resources at will); subscribers get resources/updated.
import type { McpServer } from "@modelcontextprotocol/server";
import type { ToolHost } from "./host.js";

/** The inbox resource's URI. */
export const INBOX_URI = "molecule://inbox";

export function registerInboxResource(server: McpServer, host: ToolHost): void {
  server.registerResource(
    "inbox",
    INBOX_URI,
    {
      title: "Molecule inbox",
      description:
        "Unread messages from peer agents and canvas users (sanitised, untrusted text). Subscribe for notifications/resources/updated; read_inbox marks them read.",
      mimeType: "application/json",
    },
    (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/json",
          text: JSON.stringify({ messages: host.inbox.unread() }),
        },
      ],
    }),
  );
}
