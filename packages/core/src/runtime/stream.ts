// Node streams where core hands one to its caller (a streamed response body, an answer's text as it
// is generated). Node's on Node, Bun and Deno; the edge build swaps in stream.web.ts. node:stream
// loads on first use, not at import (~2.5 ms of a cold import).
import type * as NodeStream from "node:stream";

let loaded: typeof NodeStream.Stream | undefined;
const nodeStream = (): typeof NodeStream.Stream =>
  (loaded ??= process.getBuiltinModule("node:stream"));

/** An object-mode PassThrough: what is written is read once, in order. */
export const objectPassThrough = (): NodeStream.PassThrough =>
  new (nodeStream().PassThrough)({ objectMode: true });

/** A Node `Readable` with `options` (`read` and `destroy`). */
export const newReadable = (options: NodeStream.ReadableOptions): NodeStream.Readable =>
  new (nodeStream().Readable)(options);

/** `body` (a web stream) as a Node `Readable`; an empty one for no body. */
export const readableFromWeb = (body: ReadableStream<Uint8Array> | null): NodeStream.Readable => {
  const { Readable } = nodeStream();
  return body
    ? Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0])
    : Readable.from([]);
};
