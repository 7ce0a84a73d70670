// Doubles the module's tests share: a peer agent that echoes each message, and a Nest logger that
// keeps every line with its context.
import { Injectable } from "@nestjs/common";
import type { LoggerService } from "@nestjs/common";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { OnPeerMessage, PeerAgent } from "../src/index.js";

/** Answers `echo <text>`. */
@PeerAgent()
@Injectable()
export class EchoAgent {
  @OnPeerMessage()
  answer(msg: InboundMessage): string {
    return `echo ${msg.text}`;
  }
}

/** A Nest logger that keeps every line with its context. */
export class Capture implements LoggerService {
  readonly lines: { level: string; message: string; context: string }[] = [];
  #add =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      this.lines.push({ level, message: String(message), context: String(rest.at(-1) ?? "") });
    };
  log = this.#add("log");
  error = this.#add("error");
  warn = this.#add("warn");
  debug = this.#add("debug");
  verbose = this.#add("verbose");
  fatal = this.#add("fatal");
  /** The lines logged under `context`. */
  of(context: string) {
    return this.lines.filter((l) => l.context === context);
  }
}
