// A remote A2A agent by URL (`RemoteA2AAgent`): see remote-agent.ts.
export { RemoteA2AAgent } from "./remote-agent.js";
export type {
  RemoteA2AAgentOptions,
  RemoteA2AMessage,
  RemoteA2AResult,
  RemoteA2ASendOptions,
} from "./remote-agent.js";
