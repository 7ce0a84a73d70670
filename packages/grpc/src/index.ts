// Public API of @molecule-ai/grpc: the A2A gRPC binding of an endpoint made by createA2AHandler.
export { A2AService } from "@a2a-js/sdk/server/grpc";
export { MOLECULE_ERROR_CODE, MOLECULE_RETRYABLE } from "./errors.js";
export {
  createA2AGrpcService,
  type A2AGrpcService,
  type A2AGrpcServiceOptions,
} from "./service.js";
export {
  startA2AGrpcServer,
  type A2AGrpcServer,
  type StartA2AGrpcServerOptions,
} from "./server.js";
