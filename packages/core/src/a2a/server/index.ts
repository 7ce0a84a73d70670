export {
  createA2AHandler,
  type A2AHandler,
  type A2AHandlerContext,
  type A2AHandlerOptions,
  type A2AHandlerResult,
} from "./handler.js";
export {
  startA2AServer,
  type A2AServer,
  type A2AServerHandle,
  type StartA2AServerOptions,
} from "./node-server.js";
export { derivePathSecret, generatePathSecret } from "./secret.js";
export { A2AErrorCode, A2ARpcError, type A2AErrorCodeValue } from "./errors.js";
