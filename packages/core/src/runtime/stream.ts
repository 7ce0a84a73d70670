// Node streams where core hands one to its caller (a streamed response body, an answer's text as it
// is generated). Node's on Node, Bun and Deno; the edge build swaps in stream.web.ts.
export { PassThrough, Readable } from "node:stream";
