// The one Logger shape of the SDK (platform client, transport, inbound runtime, agent, plugins),
// a logger that prints nothing, and the token-free one-line form of an error for log lines.

/** A minimal structured logger; every method is optional. Log lines never contain tokens. */
export interface Logger {
  debug?(msg: string, meta?: object): void;
  info?(msg: string, meta?: object): void;
  warn?(msg: string, meta?: object): void;
  error?(msg: string, meta?: object): void;
}

/** A short, token-free description of an error for logs. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
