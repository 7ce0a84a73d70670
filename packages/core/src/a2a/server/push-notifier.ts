// Delivery of task updates to the tasks' webhooks (push notifications, A2A v1.0 §4.3.3): each time
// a task with webhooks is stored (handler-push.ts looks them up), its state is queued for every
// webhook and POSTed in the background
// (a v1.0 config gets a `StreamResponse` `{task}`, a v0.3 one the v0.3 Task), with the config's
// token (`X-A2A-Notification-Token`) and authentication (`Authorization`). Nothing here slows a
// task: queuing is synchronous and bounded (one pending state per webhook, the newest; at most
// `MAX_PENDING` webhooks waiting, the oldest dropped first), at most `MAX_IN_FLIGHT` requests run
// at once, a failed one is retried with exponential backoff up to `maxAttempts`. Who answered is
// the transport's judge's (its peer form): only the webhook's own refusal gives a state up; the
// path's answer in front of it (a front's redirect or sign-in page, a proxy's 407 or 5xx: never
// followed, never the webhook's) is retried without counting an attempt, and said once per cause
// and webhook origin until a delivery there succeeds. The address of every connection is checked
// by the connection's own lookup (webhook-address.ts).
import type { IncomingHttpHeaders } from "node:http";
import { MoleculeError, pathFailureOf, withTraceHeaders } from "../../transport/index.js";
import { BodyTooLargeError, judgePeerAnswer, peerProxyError } from "../../transport/index.js";
import { readBodyText } from "../../transport/index.js";
import { taskToV1 } from "../to-v1.js";
import type { A2ATask } from "../types.js";
import type { TaskPushConfig } from "./push-config.js";
import {
  addressAllowed,
  classifyAddress,
  guardedAgent,
  isIpLiteral,
  type WebhookAddressPolicy,
} from "./webhook-address.js";

/** How webhooks are called. */
export interface PushDeliveryOptions {
  /** Which addresses may be connected to (webhook-address.ts). */
  policy: WebhookAddressPolicy;
  /** Attempts per state before it is given up (default 5). */
  maxAttempts: number;
  /** Delay before the first retry, doubled each time up to 30 s (default 1000 ms). */
  retryDelayMs: number;
  /** Deadline of one webhook request (default 10 000 ms). */
  timeoutMs: number;
}

const MAX_PENDING = 1000;
const MAX_IN_FLIGHT = 8;
const MAX_RETRY_DELAY_MS = 30_000;
/** The most of a failed answer's body read to judge who gave it (a sign-in page is smaller). */
const MAX_JUDGED_BYTES = 64 * 1024;

/** A webhook's queued state. */
interface Delivery {
  key: string;
  config: TaskPushConfig;
  body: string;
  /** A newer state that came while this one was being sent. */
  next: string | undefined;
  attempt: number;
  /** Attempts the path answered (a front, a proxy): not counted against `maxAttempts`. */
  held: number;
  sending: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type Dispatcher = {
  request(o: object): Promise<{
    statusCode: number;
    headers: IncomingHttpHeaders;
    body: AsyncIterable<unknown> & { dump(): Promise<void> };
  }>;
  close(): Promise<void>;
};

/** See the file comment. */
export class PushNotifier {
  readonly #o: PushDeliveryOptions;
  readonly #allowed: (address: string) => boolean;
  readonly #report: (err: unknown) => void;
  /** Webhooks with a state to deliver, in the order they became ready. */
  readonly #pending = new Map<string, Delivery>();
  readonly #ready: Delivery[] = [];
  readonly #sends = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  /** The path failures said (`origin cause`), until a delivery to that origin succeeds. */
  readonly #said = new Set<string>();
  #dispatcher: Dispatcher | undefined;

  constructor(options: PushDeliveryOptions, report: (err: unknown) => void) {
    this.#o = options;
    this.#allowed = addressAllowed(options.policy);
    this.#report = report;
  }

  /**
   * Queues `task` (a snapshot taken when it changed, without its history) for each of `configs`,
   * its webhooks; never throws, never waits.
   */
  deliver(task: A2ATask, configs: readonly TaskPushConfig[]): void {
    if (this.#closing.signal.aborted) return;
    let v03: string | undefined;
    let v1: string | undefined;
    for (const config of configs) {
      const body =
        config.version === "0.3"
          ? (v03 ??= JSON.stringify(task))
          : (v1 ??= JSON.stringify({ task: taskToV1(task) }));
      const key = `${task.id}\n${config.id}`;
      const d = this.#pending.get(key);
      if (d !== undefined) {
        d.config = config;
        if (d.sending) d.next = body;
        else d.body = body;
        continue;
      }
      const delivery: Delivery = {
        key,
        config,
        body,
        next: undefined,
        attempt: 0,
        held: 0,
        sending: false,
        timer: undefined,
      };
      this.#pending.set(key, delivery);
      this.#ready.push(delivery);
      if (this.#pending.size > MAX_PENDING) this.#dropOldest();
    }
    this.#pump();
  }

  /** Makes room: the oldest webhook waiting (not being sent) loses its state. */
  #dropOldest(): void {
    for (const d of this.#pending.values()) {
      if (d.sending) continue;
      this.#forget(d);
      this.#report(
        new MoleculeError(
          `push notification to ${originOf(d.config.url)} dropped: more than ${MAX_PENDING} webhooks are waiting for delivery`,
          { code: "push_queue_full", retryable: false },
        ),
      );
      return;
    }
  }

  #forget(d: Delivery): void {
    if (d.timer !== undefined) clearTimeout(d.timer);
    this.#pending.delete(d.key);
    const i = this.#ready.indexOf(d);
    if (i !== -1) this.#ready.splice(i, 1);
  }

  #pump(): void {
    while (this.#sends.size < MAX_IN_FLIGHT && this.#ready.length > 0) {
      const d = this.#ready.shift()!;
      d.sending = true;
      const send: Promise<void> = this.#send(d).finally(() => {
        this.#sends.delete(send);
        this.#pump();
      });
      this.#sends.add(send);
    }
  }

  async #send(d: Delivery): Promise<void> {
    let failure: unknown;
    try {
      await this.#post(d.config, d.body);
    } catch (err) {
      failure = err;
    }
    d.sending = false;
    if (this.#closing.signal.aborted) return;
    const origin = originOf(d.config.url);
    const path = failure === undefined ? undefined : pathFailureOf(failure);
    if (failure === undefined)
      for (const k of this.#said) if (k.startsWith(`${origin} `)) this.#said.delete(k);
    // The path's answer (a front's, a proxy's 407 too): held until it passes, said once per cause.
    const held = path?.status !== undefined;
    const hopeless = !held && failure instanceof MoleculeError && !failure.retryable;
    if (held && !this.#said.has(`${origin} ${path.cause}`)) {
      this.#said.add(`${origin} ${path.cause}`);
      this.#report(failure);
    }
    if (!held && (failure === undefined || hopeless || ++d.attempt >= this.#o.maxAttempts)) {
      if (failure !== undefined) this.#report(failure);
      if (d.next === undefined) return void this.#pending.delete(d.key);
      [d.body, d.next, d.attempt, d.held] = [d.next, undefined, 0, 0];
      this.#ready.push(d);
      return;
    }
    if (d.next !== undefined) [d.body, d.next] = [d.next, undefined];
    if (held) d.held++;
    const tries = d.attempt + d.held;
    const delay = Math.min(MAX_RETRY_DELAY_MS, this.#o.retryDelayMs * 2 ** Math.max(0, tries - 1));
    d.timer = setTimeout(() => {
      d.timer = undefined;
      this.#ready.push(d);
      this.#pump();
    }, delay);
  }

  /**
   * One POST to a webhook; throws unless it answered 2xx: the judge's error when the path in front
   * of it answered (`judgePeerAnswer`), else the webhook's own refusal.
   */
  async #post(config: TaskPushConfig, body: string): Promise<void> {
    const url = new URL(config.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const where = originOf(config.url);
    if (isIpLiteral(url.hostname) && !this.#allowed(host)) {
      throw refused(`${where} is a ${classifyAddress(host)} address`);
    }
    const headers: Record<string, string> = withTraceHeaders({
      "content-type": config.version === "0.3" ? "application/json" : "application/a2a+json",
      "user-agent": "molecule-agent-core",
    });
    if (config.token !== undefined) headers["x-a2a-notification-token"] = config.token;
    const auth = config.authentication;
    if (auth?.credentials !== undefined)
      headers["authorization"] = `${auth.scheme} ${auth.credentials}`;
    const party = { at: `push notification to ${where}`, peerId: where, name: "the webhook" };
    const known = [config.token, auth?.credentials].filter((k) => k !== undefined);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#o.timeoutMs);
    const onClose = (): void => deadline.abort();
    this.#closing.signal.addEventListener("abort", onClose, { once: true });
    let answer: { status: number; headers: IncomingHttpHeaders; body: unknown };
    try {
      const dispatcher = this.#agent();
      if (dispatcher !== undefined) {
        const res = await dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: "POST",
          headers,
          body,
          signal: deadline.signal,
        });
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        if (ok) await res.body.dump();
        const read = ok ? undefined : await judged(res.body, res.headers["content-length"]);
        answer = { status: res.statusCode, headers: res.headers, body: read };
      } else {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body,
          redirect: "manual",
          signal: deadline.signal,
        });
        const ok = res.status >= 200 && res.status < 300;
        const got = Object.fromEntries(res.headers) as IncomingHttpHeaders;
        if (ok) await res.body?.cancel();
        const read = ok || !res.body ? undefined : await judged(res.body, got["content-length"]);
        answer = { status: res.status, headers: got, body: read };
      }
    } catch (err) {
      if ((err as { code?: unknown })?.code === "EWEBHOOKREFUSED") {
        throw refused((err as Error).message);
      }
      const proxied = peerProxyError(party, err, known);
      if (proxied !== undefined) throw proxied;
      const reason = deadline.signal.aborted
        ? `no answer within ${this.#o.timeoutMs} ms`
        : "unreachable";
      throw new MoleculeError(`push notification to ${where} failed: ${reason}`, {
        code: "push_delivery_failed",
        retryable: true,
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      this.#closing.signal.removeEventListener("abort", onClose);
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return;
    judgePeerAnswer(party, answer, known, "any");
    throw new MoleculeError(
      `push notification to ${where} failed: the webhook answered HTTP ${status}`,
      { code: "push_delivery_failed", retryable: status >= 500 || status === 429 },
    );
  }

  /** The undici agent whose every connection resolves through the address check (Node). */
  #agent(): Dispatcher | undefined {
    this.#dispatcher ??= guardedAgent(this.#allowed, "EWEBHOOKREFUSED");
    return this.#dispatcher;
  }

  /** Stops delivering: pending states are dropped, requests in flight aborted. */
  async close(): Promise<void> {
    this.#closing.abort();
    for (const d of this.#pending.values()) if (d.timer !== undefined) clearTimeout(d.timer);
    this.#pending.clear();
    this.#ready.length = 0;
    await Promise.allSettled(this.#sends);
    await this.#dispatcher?.close().catch(() => undefined);
    this.#dispatcher = undefined;
  }
}

/**
 * A failed answer's body as the judge reads it: JSON when it parses, else its text; one over
 * {@link MAX_JUDGED_BYTES} is not JSON an A2A receiver would send, so judged by its first words.
 */
async function judged(
  body: AsyncIterable<unknown>,
  length: string | string[] | undefined,
): Promise<unknown> {
  let text: string;
  try {
    text = await readBodyText(body, MAX_JUDGED_BYTES, length);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return "(a body over 64 KiB)";
    return undefined;
  }
  try {
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

/** A webhook named in errors and logs: its origin only (its path may be a secret). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

function refused(why: string): MoleculeError {
  return new MoleculeError(
    `push notification refused: ${why} (other addresses are allowed by createA2AHandler's or startA2AServer's pushNotifications.allowAddresses option; a RemoteAgent's push delivery calls public addresses only)`,
    {
      code: "push_address_refused",
      retryable: false,
    },
  );
}
