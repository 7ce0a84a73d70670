// A remote A2A agent by URL (`RemoteA2AAgent`): see remote-agent.ts.
export { RemoteA2AAgent } from "./remote-agent.js";
export type {
  RemoteA2AAgentOptions,
  RemoteA2AMessage,
  RemoteA2AResult,
  RemoteA2ASendOptions,
} from "./remote-types.js";
export type {
  A2AGrpcAnswer,
  A2AGrpcCall,
  A2AGrpcMethod,
  A2AGrpcTransport,
} from "./grpc-binding.js";
