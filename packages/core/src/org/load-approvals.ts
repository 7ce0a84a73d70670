// Loads an agent's approval waits on first use (`RemoteAgent.requestApproval`, an
// `approvalEscalated` listener): the bundle keeps them, the waiter and its escalation watch in
// their own chunk, which an agent that never asks a person does not load (issue 93).
import type * as AgentApprovalsModule from "./agent-approvals.js";

/** The agent's approval waits, loaded on the first call (later calls share the module). */
export function loadAgentApprovals(): Promise<typeof AgentApprovalsModule> {
  return import("./agent-approvals.js");
}
