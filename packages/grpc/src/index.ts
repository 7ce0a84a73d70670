// Public API of @molecule-ai/grpc: the A2A gRPC binding of an endpoint made by createA2AHandler,
// and a gRPC client for RemoteA2AAgent (an agent that offers only gRPC).
export { A2AService } from "@a2a-js/sdk/server/grpc";
export { a2aGrpcTransport, type A2AGrpcTransportOptions } from "./client.js";
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
