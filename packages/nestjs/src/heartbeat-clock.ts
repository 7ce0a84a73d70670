import { PlatformClient } from "@molecule-ai/agent-core";

/** The module's `PlatformClient`: remembers when a heartbeat last reached the platform. */
export class HeartbeatClockClient extends PlatformClient {
  /** When the last heartbeat was accepted (ms since the epoch); undefined before the first. */
  lastHeartbeatAt: number | undefined;

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>): Promise<void> {
    await super.heartbeat(...args);
    this.lastHeartbeatAt = Date.now();
  }
}
