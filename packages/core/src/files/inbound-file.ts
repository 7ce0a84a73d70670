// A file that came with an inbound message (a canvas upload), as the handler gets it in
// `msg.files`: its name (made safe), media type, size, and its bytes, loaded on first use.

/** A file that came with an inbound message: see `InboundMessage.files`. */
export interface InboundFile {
  /**
   * The file name as one safe path segment (`[A-Za-z0-9._-]`, never `..`; see
   * `sanitizeFileName`): joined to a folder, it stays in that folder.
   */
  readonly name: string;
  /** The media type the sender declared, e.g. `image/png` (`application/octet-stream` if none). */
  readonly mediaType: string;
  /** Its size in bytes as announced; the bytes read never exceed it, nor 25 MiB. */
  readonly size: number;
  /**
   * The URI of the message's file part: `platform-pending:<workspace>/<file id>` (poll delivery:
   * staged on the platform) or `workspace:/workspace/.molecule/chat-uploads/<id>-<name>` (push
   * delivery: ingested by this agent).
   */
  readonly uri: string;
  /**
   * Its bytes: fetched from the platform on the first call for a polled upload (a
   * `file_unavailable` error when the platform no longer holds it, `file_too_large` past its
   * bound), the same array afterwards (do not modify it). A failed call can be repeated.
   */
  bytes(options?: { signal?: AbortSignal | undefined }): Promise<Uint8Array>;
  /** Its bytes decoded as UTF-8. */
  text(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /** Its bytes as a web stream (loaded as {@link bytes} does). */
  stream(): ReadableStream<Uint8Array>;
}

/** What a file is, before its bytes are loaded. */
export interface FileFacts {
  name: string;
  mediaType: string;
  size: number;
  uri: string;
}

/** An {@link InboundFile} whose bytes `load` reads once (a failure is not kept). */
export class MessageFile implements InboundFile {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly uri: string;
  readonly #load: (signal: AbortSignal | undefined) => Promise<Uint8Array>;
  #bytes: Promise<Uint8Array> | undefined;

  constructor(facts: FileFacts, load: (signal: AbortSignal | undefined) => Promise<Uint8Array>) {
    this.name = facts.name;
    this.mediaType = facts.mediaType;
    this.size = facts.size;
    this.uri = facts.uri;
    this.#load = load;
  }

  bytes(options: { signal?: AbortSignal | undefined } = {}): Promise<Uint8Array> {
    this.#bytes ??= this.#load(options.signal).catch((err: unknown) => {
      this.#bytes = undefined;
      throw err;
    });
    return this.#bytes;
  }

  async text(options: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    return new TextDecoder().decode(await this.bytes(options));
  }

  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        controller.enqueue(await this.bytes());
        controller.close();
      },
    });
  }

  /** What `JSON.stringify` shows: the facts, never the bytes. */
  toJSON(): FileFacts {
    return { name: this.name, mediaType: this.mediaType, size: this.size, uri: this.uri };
  }
}
