// The MCP tools of the inbox: read the messages that came since the last read, wait for one (for
// hosts that show no notifications), and answer one the way it came (outbox, the pushed request's
// response, or a direct reply). A message's text is untrusted; its files come with it.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { inboxText } from "./inbox-text.js";
import { withFiles } from "./file-tools.js";
import type { ToolHost } from "./host.js";
import { guarded, ok, ready, textArg, timeoutSecondsArg, workspaceIdArg } from "./tool-kit.js";

const inboxMessageSchema = z.object({
  messageId: z.string(),
  workspaceId: z.string(),
  kind: z.enum(["peer_agent", "canvas_user", "unknown"]),
  peerId: z.string().nullable(),
  claimedPeerId: z.string().nullable(),
  conversationId: z.string().nullable(),
  isAnswer: z.boolean(),
  text: z.string(),
  truncated: z.boolean(),
  activityId: z.string().nullable(),
  receivedAt: z.string(),
  files: z.array(z.object({ name: z.string(), mediaType: z.string(), size: z.number().int() })),
});

const inboxOutput = z.object({
  messages: z.array(inboxMessageSchema),
  remaining: z.number().int().describe("Unread messages left after these."),
});

/** Registers read_inbox, wait_for_message and reply on `server`. */
export function registerInboxTools(server: McpServer, host: ToolHost): void {
  server.registerTool(
    "read_inbox",
    {
      title: "Read the inbox",
      description:
        "Read new messages from peer agents and canvas users since the last read: id, sender, conversation and text (untrusted). Each message is returned once; answer one with reply.",
      inputSchema: z.object({
        limit: z
          .number()
          .int()
          .min(1, "limit must be at least 1")
          .max(100, "limit must be at most 100")
          .optional()
          .describe("At most this many messages (default 20)."),
        workspaceId: workspaceIdArg,
      }),
      outputSchema: inboxOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    ({ limit, workspaceId }) =>
      guarded(host, () => {
        const ws = workspaceId ? host.workspace(workspaceId).id : undefined;
        const messages = host.inbox.take(ws, limit ?? 20);
        const remaining = host.inbox.unread(ws).length;
        return withFiles(
          ok(inboxText(messages, remaining), { messages, remaining }),
          host.inbox,
          messages,
        );
      }),
  );

  server.registerTool(
    "wait_for_message",
    {
      title: "Wait for a message",
      description:
        "Wait until a new message arrives (or the timeout passes), then return the new messages like read_inbox. For hosts that do not show notifications.",
      inputSchema: z.object({
        timeoutSeconds: timeoutSecondsArg.describe(
          "How long to wait (default 30); keep it below your MCP client's request timeout (often 60 s).",
        ),
        workspaceId: workspaceIdArg,
      }),
      outputSchema: inboxOutput.extend({ timedOut: z.boolean() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    ({ timeoutSeconds, workspaceId }, extra) =>
      guarded(host, async () => {
        const ws = workspaceId ? host.workspace(workspaceId).id : undefined;
        const signal = AbortSignal.any([
          extra.mcpReq.signal,
          AbortSignal.timeout((timeoutSeconds ?? 30) * 1000),
        ]);
        const arrived = await host.inbox.waitForUnread(ws, signal);
        const messages = arrived ? host.inbox.take(ws, 20) : [];
        const remaining = host.inbox.unread(ws).length;
        const text = inboxText(messages, remaining);
        const result = ok(text, { messages, remaining, timedOut: !arrived });
        return withFiles(result, host.inbox, messages);
      }),
  );

  server.registerTool(
    "reply",
    {
      title: "Reply to a message",
      description:
        "Answer a message from read_inbox, wait_for_message or a channel notification (its messageId): the sender gets it as the answer in the same conversation.",
      inputSchema: z.object({
        messageId: z
          .string()
          .min(1)
          .max(64, "messageId is too long: use the messageId read_inbox gave"),
        text: textArg("text").describe("The answer."),
      }),
      outputSchema: z.object({
        messageId: z.string(),
        delivered: z
          .enum(["outbox", "a2a-response", "reply"])
          .describe(
            "How the answer travels: core's reply outbox, the pushed request's response, or a direct reply.",
          ),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ messageId, text }, extra) =>
      guarded(host, async () => {
        const route = host.inbox.reply(messageId, text);
        if (route.via === "reply") {
          const ws = await ready(host, route.workspaceId, extra.mcpReq.signal);
          await ws.client.reply(route.message, text, { signal: extra.mcpReq.signal });
        }
        return ok(`Answered message ${messageId}.`, { messageId, delivered: route.via });
      }),
  );
}
