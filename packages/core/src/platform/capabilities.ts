// What the platform supports (probed once per client; clients probing within a minute share one
// probe) and this workspace's SSE event stream.
import { MoleculeError, readableOf } from "../transport/index.js";
import { dropSpare, eventsRequest, keepSpare, openEventChunks } from "./event-connection.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";
import type { EventStream, PlatformCapabilities } from "./types.js";

const ZERO_CURSOR = "00000000-0000-0000-0000-000000000000";

/** What the cursor probe tells: the contract the server speaks. */
export type PlatformContract = Pick<PlatformCapabilities, "cursors" | "pollDelivery" | "compat">;

/**
 * The contract the platform speaks, from one cached request (a zero `since_id` cursor answers 410
 * on newer servers, 200 on the baseline); a failed probe is not cached. Everything but the event
 * wake-ups needs only this, so a client that never opens the event stream never probes it.
 */
export function platformContract(
  s: PlatformSession,
  signal?: AbortSignal | undefined,
): Promise<PlatformContract> {
  return cached(s, "contract", () => sharedProbe(s, signal));
}

/**
 * How long a platform's contract, once answered, is shared with the clients that probe it next: a
 * fleet starts in turns of its start gate (16 agents at once), and under a spent rate budget a
 * later turn comes a window (60 s) after the first. A platform changes its contract only when it is
 * upgraded, and a client keeps what it probed for its life.
 */
const SHARED_FOR_MS = 60_000;

/** A platform's contract probe: in flight, or answered at `answeredAt` (monotonic ms). */
interface SharedProbe {
  readonly probe: Promise<PlatformContract>;
  answeredAt?: number;
}

/** Contract probes in flight or answered within {@link SHARED_FOR_MS}, by platform and org. */
const probing = new Map<string, SharedProbe>();

/** Forgets every shared probe (tests: a server of an earlier test may have had this one's port). */
export function forgetSharedProbes(): void {
  probing.clear();
}

/** `key`'s probe, unless its answer is older than {@link SHARED_FOR_MS} (then it is dropped). */
function sharedOf(key: string): SharedProbe | undefined {
  const shared = probing.get(key);
  if (shared?.answeredAt !== undefined && performance.now() - shared.answeredAt >= SHARED_FOR_MS) {
    probing.delete(key);
    return undefined;
  }
  return shared;
}

/**
 * The contract probe, shared by the clients of one platform (its origin, base path and org) that
 * probe at once or within {@link SHARED_FOR_MS} of its answer: a fleet started together (20 agents
 * of an org, whose rate budget is 120 requests a minute) sends one probe, not one an agent. Only an
 * answer is shared: a probe that fails (another workspace's token, a cancelled start) leaves each
 * client to probe on its own, and is not kept.
 */
async function sharedProbe(s: PlatformSession, signal?: AbortSignal): Promise<PlatformContract> {
  const key = `${s.transport.origin}${s.transport.basePath}\n${s.transport.orgId ?? ""}`;
  const running = sharedOf(key)?.probe;
  if (running) {
    // Its answer, or undefined when it fails or this client's own signal aborts first (then the
    // client's own probe fails at once with its abort).
    const got = await new Promise<PlatformContract | undefined>((resolve) => {
      const stop = (): void => resolve(undefined);
      signal?.addEventListener("abort", stop, { once: true });
      if (signal?.aborted) stop();
      void running.then(resolve, stop).finally(() => signal?.removeEventListener("abort", stop));
    });
    if (got) return got;
  }
  for (const k of probing.keys()) sharedOf(k); // drops the answers no longer shared
  const mine: SharedProbe = { probe: probeContract(s, signal) };
  probing.set(key, mine);
  try {
    const contract = await mine.probe;
    mine.answeredAt = performance.now();
    return contract;
  } catch (err) {
    if (probing.get(key) === mine) probing.delete(key);
    throw err;
  }
}

/** `s[key]`, started by `probe` when absent; a failed probe is forgotten (the next call retries). */
function cached<K extends "contract" | "caps">(
  s: PlatformSession,
  key: K,
  probe: () => NonNullable<PlatformSession[K]>,
): NonNullable<PlatformSession[K]> {
  const hit = s[key];
  if (hit) return hit;
  const p = probe();
  s[key] = p;
  p.catch(() => {
    if (s[key] === p) s[key] = undefined as PlatformSession[K];
  });
  return p;
}

/**
 * The cached capability probe (the contract, and the event stream unless `events` is false); a
 * failed probe is not cached. Without the event-stream check `eventStream` is false.
 */
export async function capabilities(
  s: PlatformSession,
  options: { signal?: AbortSignal | undefined; events?: boolean | undefined } = {},
): Promise<PlatformCapabilities> {
  if (options.events === false && !s.caps) {
    return { ...(await platformContract(s, options.signal)), eventStream: false };
  }
  return await cached(s, "caps", () => probe(s, options.signal));
}

async function probe(s: PlatformSession, signal?: AbortSignal): Promise<PlatformCapabilities> {
  const [contract, probed] = await Promise.allSettled([
    platformContract(s, signal),
    probeEvents(s, signal),
  ]);
  if (contract.status === "rejected" || probed.status === "rejected") {
    dropSpare(s); // a failed (or cancelled) probe leaves no stream open
    throw contract.status === "rejected"
      ? contract.reason
      : (probed as PromiseRejectedResult).reason;
  }
  const events = probed.value;
  return {
    ...contract.value,
    eventStream: events === true,
    ...(typeof events === "string" ? { eventStreamError: events } : {}),
  };
}

async function probeContract(s: PlatformSession, signal?: AbortSignal): Promise<PlatformContract> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/activity`,
    query: { since_id: ZERO_CURSOR, limit: 1 },
    signal,
  });
  let cursors: boolean;
  if (res.status === 410) cursors = true;
  else if (ok(res.status)) cursors = false;
  else throw await s.selfFail(res, "capabilities", signal);
  return { cursors, pollDelivery: cursors, compat: cursors ? "latest" : "2026-04" };
}

/**
 * Whether the SSE stream answers, or why the probe failed (a string). A stream that answers is
 * kept open for the agent's wake-ups (see event-connection.ts) when an agent asked for it
 * (`AgentHooks.keepEventSpare`); otherwise it is closed, so a script that only asks holds no socket.
 */
async function probeEvents(s: PlatformSession, signal?: AbortSignal): Promise<boolean | string> {
  try {
    const res = await s.send({ ...eventsRequest(s, signal), timeoutMs: 5_000 });
    const type = String(res.headers["content-type"] ?? "");
    const answers = ok(res.status) && type.includes("text/event-stream");
    if (answers && s.keepProbeStream) keepSpare(s, res.chunks!);
    else res.chunks?.close();
    return answers;
  } catch (err) {
    if (signal?.aborted) throw err;
    // Held back by the org's rate budget (or refused by it): nothing says the stream is missing,
    // and an agent without it polls at its full rate, spending the budget further. The wake-ups
    // open it themselves (and report it if it never answers).
    if (err instanceof MoleculeError && err.code === "rate_limited") return true;
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Opens the SSE event stream with the platform credentials (or takes the capability probe's, still
 * open); error statuses raise typed errors. The signal and `close()` both close it.
 */
export async function openEventStream(
  s: PlatformSession,
  options: { signal?: AbortSignal } = {},
): Promise<EventStream> {
  const { signal } = options;
  const stream = readableOf(await openEventChunks(s, signal));
  stream.on("error", () => undefined);
  if (signal) {
    const onAbort = (): void => void stream.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) stream.destroy();
  }
  return { body: stream, close: () => stream.destroy() };
}
