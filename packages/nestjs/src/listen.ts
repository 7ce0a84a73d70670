// The push URL is registered once the Nest HTTP server listens: registering sets the workspace
// online, and the platform forwards messages at once, so a URL registered during
// `onApplicationBootstrap` (which `app.listen()` runs before the server binds) answered the first
// ones with 502 for the milliseconds until it did.
import type { Server } from "node:http";
import { Inject, Injectable, Optional } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { MoleculeError } from "@molecule-ai/agent-core";

/**
 * What the agent's push registration waits for ({@link ServerListening.registerWhen}), and when
 * the agent reached that wait (so start-up checks before it still fail `app.listen()`).
 */
@Injectable()
export class ServerListening {
  /** Resolves when the agent has passed its start-up checks and waits for the server. */
  readonly waiting: Promise<void>;
  #reached!: () => void;

  /** @internal Created by Nest's injector. */
  constructor(@Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost) {
    this.waiting = new Promise((resolve) => (this.#reached = resolve));
  }

  /** The app's HTTP server, when it is an HTTP application. */
  get server(): Server | undefined {
    return this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined;
  }

  /** Resolves at once when the server listens, else on its `listening` event; rejects on `signal`. */
  registerWhen = (signal: AbortSignal): Promise<void> => {
    this.#reached();
    const server = this.server;
    if (!server || server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onListening = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        server.off("listening", onListening);
        reject(
          new MoleculeError("The agent was stopped before the HTTP server listened.", {
            code: "agent_stopped",
          }),
        );
      };
      if (signal.aborted) return onAbort();
      server.once("listening", onListening);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  };
}
