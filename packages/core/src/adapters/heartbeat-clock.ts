// A PlatformClient that remembers when a heartbeat last reached the platform, for health checks.
import { PlatformClient } from "../platform/index.js";

/** A `PlatformClient` that remembers when a heartbeat last reached the platform. */
export class HeartbeatClockClient extends PlatformClient {
  /** When the last heartbeat was accepted (ms since the epoch); undefined before the first. */
  lastHeartbeatAt: number | undefined;

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>): Promise<void> {
    await super.heartbeat(...args);
    this.lastHeartbeatAt = Date.now();
  }
}
