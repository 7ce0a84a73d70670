// Internal entry of files/: files between the canvas and an agent (the values a handler gets in
// `msg.files`, which file parts become files, the push routes the platform forwards files to, the
// store of ingested files, the send_message_to_user tool). The public API is src/public/files.ts.
export type { InboundFile } from "./inbound-file.js";
export { IngestedFiles } from "./ingested-files.js";
export { ChatFileRoutes } from "./chat-file-routes.js";
export { MessageFiles } from "./message-files.js";
export type { PendingUploads } from "./message-files.js";
export { SEND_TO_USER_TOOL_NAME, sendToUserToolSpec } from "./send-to-user.js";
export type { SendToUserClient, SendToUserToolOptions } from "./send-to-user.js";
