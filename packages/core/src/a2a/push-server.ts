// The A2A server as a push agent uses it (the endpoint with its JSON-RPC and HTTP+JSON bindings,
// push notifications, card serving, the node:http server), in one module that the agent `import()`s
// on first use (`loadPushServer`): importing core's root, or running a poll agent, loads none of it.
export { createA2AHandler, startA2AServer } from "./server/index.js";
