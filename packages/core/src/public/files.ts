// Public API of @molecule-ai/agent-core/files: files between the canvas and an agent. A handler
// gets a message's files in `msg.files` (`InboundFile`: safe name, media type, size, bytes); an
// agent sends files to the canvas user with `client.notify(text, { files })` (`OutboundFile`),
// or uploads them first with `client.files.upload` (`ChatFiles`). The bounds are the platform's.
export type { InboundFile, PendingUploads } from "../files/index.js";
export { sanitizeFileName } from "../platform/index.js";
export { MAX_FILE_BYTES, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES } from "../platform/index.js";
export type {
  ChatFiles,
  NotifyOptions,
  OutboundFile,
  PendingUploadContent,
  UploadLimits,
} from "../platform/index.js";
// The `send_message_to_user` tool every adapter wraps (LangChain, AI SDK, MCP).
export { SEND_TO_USER_TOOL_NAME, sendToUserToolSpec } from "../files/index.js";
export type { SendToUserClient, SendToUserToolOptions } from "../files/index.js";
// Where the platform forwards chat files below a push URL (for routes you mount yourself).
export { FILE_READ_SUFFIX, INGEST_SUFFIX } from "../platform/index.js";
