// The async context a callback runs in: the one it was bound in, not its caller's. undici calls a
// response's handlers (and a Readable emits) from its socket's context, which is whoever's request
// opened the pooled connection: another agent's handler, a LangGraph node. async-context.web.ts
// is the edge build's twin.
const { AsyncResource } = process.getBuiltinModule("node:async_hooks");

/** `fn`, run in the async context current when this is called, whoever calls it. */
export function inCurrentContext<A extends unknown[]>(
  fn: (...args: A) => void,
): (...args: A) => void {
  return AsyncResource.bind(fn);
}
