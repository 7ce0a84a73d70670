// async-context.ts for the edge build (`dist/edge/`): no async context to carry across a
// callback, so a callback runs as it is.

/** `fn` itself. */
export function inCurrentContext<A extends unknown[]>(
  fn: (...args: A) => void,
): (...args: A) => void {
  return fn;
}
