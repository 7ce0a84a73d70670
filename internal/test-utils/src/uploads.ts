// A client uploading a large body that a server refuses: what it receives of the refusal. Shared
// by the refusal tests of every server the SDK runs (push endpoint, transcript route, MCP HTTP,
// emulator), which each measure the server side themselves.
import { connect } from "node:net";

const CHUNK = Buffer.alloc(64 * 1024, 0x61); // reused: the client allocates 64 KiB, not the body

/** What the uploading client saw. */
export interface UploadOutcome {
  /** The status of the answer it read, or `undefined` when the connection ended without one. */
  status: number | undefined;
  /** The answer's head and whatever of its body arrived (latin1). */
  response: string;
  /** Body bytes the client handed to its socket before the connection ended. */
  sent: number;
  /** The socket error that ended the upload (`ECONNRESET`, `EPIPE`), if any. */
  error: string | undefined;
}

/** Options of {@link slowReaderUpload}. */
export interface UploadOptions {
  /** Body size (default 100 MB). */
  bytes?: number;
  /** Send the body chunked (`Transfer-Encoding: chunked`) instead of declaring `Content-Length`. */
  chunked?: boolean;
  /** When the client starts reading the answer, after connecting (default 250 ms). */
  readAfterMs?: number;
  /** Local address to connect from (e.g. `127.0.0.2`, another loopback address). */
  localAddress?: string;
}

/**
 * Sends `head` (request line and headers, without the blank line; the framing header is added)
 * and a large body on one raw connection, 64 KiB at a time with back-pressure, as an ordinary
 * client busy elsewhere would: it sends at once, but reads the answer only `readAfterMs` after it
 * connected. Once it has read a status line it stops sending and closes, as HTTP clients do on an
 * early answer. Resolves when the connection has closed.
 */
export function slowReaderUpload(
  port: number,
  head: string,
  options: UploadOptions = {},
): Promise<UploadOutcome> {
  const bytes = options.bytes ?? 100 * 1024 * 1024;
  const chunked = options.chunked === true;
  return new Promise((resolve) => {
    const sock = connect({
      port,
      host: "127.0.0.1",
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    let response = "";
    let sent = 0;
    let error: string | undefined;
    let status: number | undefined;
    sock.pause(); // nothing is read before readAfterMs
    sock.on("data", (d: Buffer) => {
      response += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(response);
      if (m && status === undefined) {
        status = Number(m[1]);
        sock.destroy(); // an early answer: stop sending
      }
    });
    sock.on("error", (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
    sock.once("close", () => resolve({ status, response, sent, error }));
    sock.once("connect", () => {
      const timer = setTimeout(() => sock.resume(), options.readAfterMs ?? 250);
      sock.once("close", () => clearTimeout(timer));
      const framing = chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${bytes}`;
      sock.write(`${head}\r\n${framing}\r\n\r\n`);
      const size = chunked ? Buffer.from(`${CHUNK.length.toString(16)}\r\n`) : undefined;
      const pump = (): void => {
        while (sent < bytes && !sock.destroyed) {
          sent += CHUNK.length;
          if (size) sock.write(size);
          const more = sock.write(CHUNK);
          if (size) sock.write("\r\n");
          if (!more) return void sock.once("drain", pump);
        }
        if (sock.destroyed) return;
        if (chunked) sock.end("0\r\n\r\n");
        else sock.end();
      };
      pump();
    });
  });
}
