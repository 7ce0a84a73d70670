// A PlatformClient that remembers when a heartbeat last reached the platform, for health checks.
import { PlatformClient } from "../platform/index.js";

/** A `PlatformClient` that remembers when a heartbeat (or a registration) last reached the platform. */
export class HeartbeatClockClient extends PlatformClient {
  /** When the last heartbeat was accepted (ms since the epoch); undefined before the first. */
  lastHeartbeatAt: number | undefined;
  /** The same moment on the monotonic clock, so an age survives a wall clock step. */
  #lastHeartbeatMono: number | undefined;

  /** Milliseconds since a heartbeat was last accepted (monotonic); null before the first. */
  get lastHeartbeatAgeMs(): number | null {
    return this.#lastHeartbeatMono === undefined
      ? null
      : performance.now() - this.#lastHeartbeatMono;
  }

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>): Promise<void> {
    await super.heartbeat(...args);
    this.#beat();
  }

  /** A registration the platform accepted is its heartbeat too (status online, `last_heartbeat_at`). */
  override async register(
    ...args: Parameters<PlatformClient["register"]>
  ): ReturnType<PlatformClient["register"]> {
    const result = await super.register(...args);
    this.#beat();
    return result;
  }

  #beat(): void {
    this.lastHeartbeatAt = Date.now();
    this.#lastHeartbeatMono = performance.now();
  }
}
