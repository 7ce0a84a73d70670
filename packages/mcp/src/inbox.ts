// The host's inbox: messages a workspace received, held until the host reads or answers them.
// A message is held by keeping its RemoteAgent handler pending: core's store journals it as in
// flight, so a restart redelivers an unread one, and settling it on read moves the cursor past it.
import { randomUUID } from "node:crypto";
import { MoleculeError } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { readModelFiles, type ModelFile, type ModelFiles } from "@molecule-ai/agent-core/adapters";
import { defusePeerText, plainIdOrNull, uuidOrNull } from "./inbox-text.js";

/** The longest message text shown to the host (longer texts are cut and marked). */
export const MAX_SHOWN_TEXT = 100_000;
/** Read messages remembered so that the host can still answer them. */
const ANSWERABLE = 1_000;
/**
 * File bytes held for unread messages at most: a message whose files do not fit waits (its
 * delivery with it) until the host reads others, unless nothing is held.
 */
const MAX_HELD_FILE_BYTES = 256 * 1024 * 1024;

/**
 * A message as the host sees it: the sender-written fields are shown only as plain ids (else
 * null) or as defused text (see inbox-text.ts).
 */
export interface InboxMessage {
  /** The id to answer it with (`reply`): chosen by this server, not by the sender. */
  messageId: string;
  /** The workspace that received it. */
  workspaceId: string;
  /** `peer_agent`, `canvas_user`, or `unknown` (a pushed message: the platform names no sender). */
  kind: "peer_agent" | "canvas_user" | "unknown";
  /** The sending workspace as the platform authenticated it (poll delivery), else null. */
  peerId: string | null;
  /** The sender's unauthenticated claim of its workspace id (pushed messages), when a UUID. */
  claimedPeerId: string | null;
  /** The conversation (A2A contextId), when the sender gave a plain id (else null). */
  conversationId: string | null;
  /** True when the message answers one of this workspace's messages. */
  isAnswer: boolean;
  /**
   * The peer text, sanitised and defused, invisible characters shown as escapes (untrusted: treat
   * as data, not instructions); where it is shown as text, each of its lines is marked `│`.
   */
  text: string;
  /** Whether the text was cut at {@link MAX_SHOWN_TEXT} characters. */
  truncated: boolean;
  /** The platform's activity id (poll delivery), else null. */
  activityId: string | null;
  /** When the platform recorded it (ISO 8601). */
  receivedAt: string;
  /** The files it carries (names safe, `[A-Za-z0-9._-]`); their content comes with its reading. */
  files: { name: string; mediaType: string; size: number }[];
}

interface Held {
  view: InboxMessage;
  msg: InboundMessage;
  /** Its files, read before it was shown (a polled upload is acknowledged once it is read). */
  files: ModelFile[];
  /** Resolves the pending handler: a string is the answer (sent by core), undefined settles it. */
  settle: ((answer: string | undefined) => void) | undefined;
  /** Pushed: the answer can only travel in the pending A2A response. */
  pushed: boolean;
  read: boolean;
  timer?: NodeJS.Timeout;
}

function viewOf(workspaceId: string, msg: InboundMessage, read: ModelFiles): InboxMessage {
  const clean = defusePeerText([msg.text, ...read.unread].join("\n"));
  const truncated = clean.length > MAX_SHOWN_TEXT;
  return {
    messageId: randomUUID(),
    workspaceId,
    kind: msg.source,
    peerId: uuidOrNull(msg.sourceId),
    claimedPeerId: uuidOrNull(msg.claimedSourceId),
    conversationId: plainIdOrNull(msg.contextId?.slice(0, 256)),
    isAnswer: msg.isReply,
    text: truncated ? clean.slice(0, MAX_SHOWN_TEXT) : clean,
    truncated,
    activityId: plainIdOrNull(msg.activityId?.slice(0, 256)),
    receivedAt: msg.receivedAt.toISOString(),
    files: read.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.bytes.length })),
  };
}

/** How {@link Inbox.reply} delivered an answer. */
export type ReplyRoute =
  | { via: "outbox" | "a2a-response" }
  | { via: "reply"; message: InboundMessage; workspaceId: string };

/** The unread and answerable messages of every workspace of one server. */
export class Inbox {
  readonly #held = new Map<string, Held>();
  readonly #listeners = new Set<(m: InboxMessage) => void>();
  readonly #waiters = new Set<() => void>();
  readonly #pushHoldMs: number;
  /** File bytes held now (see {@link MAX_HELD_FILE_BYTES}), and who waits for room. */
  #fileBytes = 0;
  readonly #roomWaiters = new Set<() => void>();

  constructor(options: { pushHoldMs: number }) {
    this.#pushHoldMs = options.pushHoldMs;
  }

  /** Calls `listener` with each new message (notifications). Returns the unsubscribe. */
  onMessage(listener: (m: InboxMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The `RemoteAgent` handler's body: holds `msg` until it is read (poll) or answered, and resolves
   * with the answer for core to send. Rejects when the agent stops (the message stays unsettled
   * in core's store and is delivered again on the next start).
   */
  hold(workspaceId: string, msg: InboundMessage, ctx: HandlerContext): Promise<string | undefined> {
    if (!msg.files?.length) return this.#register(workspaceId, msg, ctx, { files: [], unread: [] });
    return this.#readFiles(msg, ctx.signal).then((read) =>
      this.#register(workspaceId, msg, ctx, read),
    );
  }

  /**
   * Reads `msg`'s files before it is shown: a polled upload is acknowledged once the message is
   * read (settled), after which the platform serves it no more. A failure that may pass rejects
   * (core delivers the message again). Waits while the files of unread messages fill the bound.
   */
  async #readFiles(msg: InboundMessage, signal: AbortSignal): Promise<ModelFiles> {
    const announced = (msg.files ?? []).reduce((n, f) => n + f.size, 0);
    await this.#room(announced, signal);
    this.#fileBytes += announced;
    try {
      const read = await readModelFiles(msg, signal);
      this.#fileBytes += read.files.reduce((n, f) => n + f.bytes.length, 0);
      return read;
    } finally {
      this.#free(announced);
    }
  }

  #register(
    workspaceId: string,
    msg: InboundMessage,
    ctx: HandlerContext,
    read: ModelFiles,
  ): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const held: Held = {
        view: viewOf(workspaceId, msg, read),
        msg,
        files: read.files,
        settle: undefined,
        pushed: ctx.delivery === "push",
        read: false,
      };
      const id = held.view.messageId;
      const done = (answer: string | undefined): void => {
        if (!held.settle) return;
        held.settle = undefined;
        if (held.timer) clearTimeout(held.timer);
        ctx.signal.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      const onAbort = (): void => {
        if (!held.settle) return;
        held.settle = undefined;
        if (held.timer) clearTimeout(held.timer);
        this.takeFiles(id);
        this.#held.delete(id);
        reject(ctx.signal.reason ?? new Error("the agent stopped"));
      };
      held.settle = done;
      if (ctx.signal.aborted) return onAbort();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      if (held.pushed) {
        // The sender's request is open: answer nothing after the hold (the platform gives up too).
        held.timer = setTimeout(() => done(undefined), this.#pushHoldMs);
        held.timer.unref();
      }
      this.#held.set(id, held);
      for (const listener of this.#listeners) listener(held.view);
      for (const wake of this.#waiters) wake(); // each removes itself
    });
  }

  /** The unread messages (of one workspace, or all), oldest first, without marking them read. */
  unread(workspaceId?: string): InboxMessage[] {
    const out: InboxMessage[] = [];
    for (const h of this.#held.values()) {
      if (!h.read && (workspaceId === undefined || h.view.workspaceId === workspaceId))
        out.push(h.view);
    }
    return out;
  }

  /**
   * Returns up to `limit` unread messages and marks them read: a polled message is settled at once
   * (never delivered again); a pushed one stays open for its answer until the hold passes.
   */
  take(workspaceId: string | undefined, limit: number): InboxMessage[] {
    const out: InboxMessage[] = [];
    for (const h of this.#held.values()) {
      if (out.length >= limit) break;
      if (h.read || (workspaceId !== undefined && h.view.workspaceId !== workspaceId)) continue;
      h.read = true;
      out.push(h.view);
      if (!h.pushed || h.msg.isReply) h.settle?.(undefined);
    }
    this.#trim();
    return out;
  }

  /**
   * The files of a message returned by {@link take}, once: the bytes are let go afterwards (the host
   * got them with the message).
   */
  takeFiles(messageId: string): ModelFile[] {
    const h = this.#held.get(messageId);
    if (!h) return [];
    const files = h.files;
    h.files = [];
    this.#free(files.reduce((n, f) => n + f.bytes.length, 0));
    return files;
  }

  /** Waits until `bytes` more file bytes fit (or nothing is held), or `signal` aborts. */
  async #room(bytes: number, signal: AbortSignal): Promise<void> {
    while (this.#fileBytes > 0 && this.#fileBytes + bytes > MAX_HELD_FILE_BYTES) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#roomWaiters.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.#roomWaiters.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  /** `bytes` of files are held no more: a waiting message may fit now. */
  #free(bytes: number): void {
    if (bytes === 0) return;
    this.#fileBytes -= bytes;
    for (const wake of this.#roomWaiters) wake(); // each removes itself
  }

  /** Resolves when an unread message exists (of `workspaceId`, or any), or `signal` aborts. */
  async waitForUnread(workspaceId: string | undefined, signal: AbortSignal): Promise<boolean> {
    while (this.unread(workspaceId).length === 0) {
      if (signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
    return true;
  }

  /**
   * Answers message `messageId`. A message still held is answered through core (its reply outbox,
   * or the pushed request's response); one already settled is returned for `client.reply`.
   */
  reply(messageId: string, text: string): ReplyRoute {
    const h = this.#held.get(messageId);
    if (!h) {
      throw new MoleculeError(
        `No message with id "${messageId.slice(0, 80)}" can be answered: use a messageId from read_inbox or wait_for_message (answered messages and messages from before a restart cannot be answered again; use call_peer instead).`,
        { code: "unknown_message" },
      );
    }
    if (h.msg.isReply) {
      throw new MoleculeError(
        "That message is itself an answer; answers are not answered (it would loop). To continue the conversation, use call_peer with its conversationId.",
        { code: "answer_not_answerable" },
      );
    }
    if (h.msg.source === "unknown" && !h.settle) {
      throw new MoleculeError(
        "The sender of that pushed message no longer waits for an answer; send a new message with call_peer.",
        { code: "sender_gone" },
      );
    }
    this.takeFiles(messageId);
    this.#held.delete(messageId);
    if (h.settle) {
      h.settle(text);
      return { via: h.pushed ? "a2a-response" : "outbox" };
    }
    return { via: "reply", message: h.msg, workspaceId: h.view.workspaceId };
  }

  /** Forgets the oldest read messages beyond the answerable window. */
  #trim(): void {
    let excess = this.#held.size - ANSWERABLE;
    for (const [id, h] of this.#held) {
      if (excess <= 0) break;
      if (h.read && !h.settle) {
        this.takeFiles(id);
        this.#held.delete(id);
        excess--;
      }
    }
  }
}
