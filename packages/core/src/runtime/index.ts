// What differs between the runtimes the SDK runs in. Each file here has a `.web.ts` twin that the
// edge build (`dist/edge/`, rolldown.config.ts: the `workerd`, `edge-light`, `worker` and `browser`
// conditions) uses in its place: how the lazily loaded modules (undici, zod, `@opentelemetry/api`)
// load, hashes and random values, bytes, the event emitter, streams, the process and the file
// system. Node, Bun and Deno get Node's own; workerd, Next's edge runtime and browsers get no
// Node built-in at all (test/edge-bundle.test.ts).
export {
  loadNodeDns,
  loadNodeHttp,
  loadOTel,
  loadUndici,
  loadZod,
  lookupAddresses,
} from "./modules.js";
export {
  hmacSha256Base64url,
  randomBase64url,
  randomHex,
  randomUUID,
  sha256Base64url,
  sha256Hasher,
  type TextHasher,
  sha256Hex,
  timingSafeEqual,
} from "./crypto.js";
export {
  base64OfText,
  chunkOf,
  freeBytes,
  joinBytes,
  textOfBase64,
  utf8Bytes,
  utf8Length,
  utf8Text,
} from "./bytes.js";
export { inCurrentContext } from "./async-context.js";
export { EventEmitter } from "./events.js";
export { stateRoot } from "./state-root.js";
export { newReadable, objectPassThrough, readableFromWeb } from "./stream.js";
export {
  emitWarning,
  envVar,
  exitProcess,
  hasFileSystem,
  hasSignals,
  hostName,
  isProcessAlive,
  machineBootId,
  monotonicMs,
  NODE_FLOOR,
  onSignal,
  PROCESS_ID,
  RUNTIME_NAME,
  setExitCode,
  setImmediate,
  UNSUPPORTED_NODE,
  writeStderr,
} from "./process.js";
export {
  basename,
  chmod,
  closeNow,
  datasyncFd,
  dirname,
  homedir,
  join,
  link,
  mkdir,
  open,
  openAppend,
  readdir,
  readFile,
  realpath,
  rename,
  resolve,
  rm,
  sep,
  stat,
  unlink,
  writeFile,
  writeNow,
} from "./fs.js";
export type { FileHandle } from "./fs.js";
