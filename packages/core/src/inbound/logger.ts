// The logger shape the inbound runtime accepts (structurally the same as the platform client's).

/** A minimal logger: every method optional; by default the runtime logs nothing. */
export interface Logger {
  debug?(msg: string, meta?: object): void;
  info?(msg: string, meta?: object): void;
  warn?(msg: string, meta?: object): void;
  error?(msg: string, meta?: object): void;
}

/** A logger that prints nothing. */
export const silentLogger: Logger = {};
