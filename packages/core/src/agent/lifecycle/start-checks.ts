// Checks a `RemoteAgent` awaits at start, before any platform call, besides its handler's own
// `checkStart`. An adapter registers one when it can reach the agent only through what the
// handler was built with: a handler wrapped for the agent (`(msg, ctx) => handler(msg, ctx)`, as
// a quickstart does when the handler's tools need the agent first) hides its `checkStart`, but its
// peer tools name the agent.

type StartCheck = () => Promise<void>;

const checks = new WeakMap<object, Set<StartCheck>>();

/** Has `agent` (a `RemoteAgent`; anything else is ignored by start) await `check` at start. */
export function addStartCheck(agent: object, check: () => Promise<void>): void {
  const set = checks.get(agent) ?? new Set<StartCheck>();
  set.add(check);
  checks.set(agent, set);
}

/** The checks registered for `agent`. */
export function startChecksOf(agent: object): readonly StartCheck[] {
  return [...(checks.get(agent) ?? [])];
}
