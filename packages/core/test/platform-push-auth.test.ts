// The rules of a push agent's bearer check (agent/source/platform-bearer.ts), on a client whose
// secret the test changes (the emulator mints one secret per workspace and never rotates it): a
// rotated secret takes over at once and the pre-rotation one is refused, also after a restart on
// the same store; a POST held while the agent learns its platform is answered when it stops.
import { describe, expect, it } from "vitest";
import { PlatformPushAuth } from "../src/agent/source/platform-bearer.js";
import { AgentStateStore, MemoryCursorStore } from "../src/store/index.js";
import type { AgentPlatformClient } from "../src/agent/types.js";

const PUSH_URL = "https://agent.example/secret-path";

/** A client whose chat files say the platform's secret (the only part the check reads). */
function client(secret?: string, signs = false) {
  const files = { inboundSecret: secret, signsPushes: signs };
  return { files } as unknown as { files: typeof files } & Pick<AgentPlatformClient, "files">;
}

describe("PlatformPushAuth", () => {
  it("after a rotation only the new secret is let in, and a restart on the same store keeps the new one", async () => {
    const inner = new MemoryCursorStore();
    const c = client("old-secret", true);
    const first = new AgentStateStore(inner);
    const auth = new PlatformPushAuth({ client: c, state: first, require: undefined });
    await auth.open();
    auth.heard("register");
    auth.heard("heartbeat");
    expect(auth.verdict(PUSH_URL, "Bearer old-secret")).toBe("pass");
    c.files.inboundSecret = "new-secret"; // a heartbeat answered the rotated secret
    expect(auth.verdict(PUSH_URL, "Bearer old-secret")).toBe("unauthorized");
    expect(auth.verdict(PUSH_URL, "Bearer new-secret")).toBe("pass"); // and kept
    await first.flush();

    // The restart: nothing heard yet, the store's digest is the new secret's.
    const state = new AgentStateStore(inner);
    const after = new PlatformPushAuth({ client: client(), state, require: undefined });
    await after.open();
    expect(await state.loadPlatformPush()).toMatchObject({ signs: true });
    expect(JSON.stringify(await inner.load())).not.toContain("new-secret");
    expect(after.verdict(PUSH_URL, "Bearer new-secret")).toBe("pass");
    expect(after.verdict(PUSH_URL, "Bearer old-secret")).toBe("wait");
    expect(after.verdict(PUSH_URL, undefined)).toBe("wait");
  });

  it("a POST held while the agent learns is answered 503 as soon as the agent stops", async () => {
    const stop = new AbortController();
    const auth = new PlatformPushAuth({
      client: client(),
      state: new AgentStateStore(undefined),
      require: undefined,
      signal: stop.signal,
    });
    const held = auth.judge("POST", "/secret-path", () => PUSH_URL, undefined);
    let answered: string | undefined;
    void held.then((v) => (answered = v));
    await Promise.resolve();
    expect(answered).toBeUndefined();
    stop.abort();
    expect(await held).toBe("unknown");
  });

  it("requirePlatformBearer: true on an IP-literal URL: no bearer or another is refused", () => {
    const auth = new PlatformPushAuth({
      client: client("the-secret"),
      state: new AgentStateStore(undefined),
      require: true,
    });
    const ip = "http://127.0.0.1:8080/secret-path";
    expect(auth.verdict(ip, undefined)).toBe("unauthorized");
    expect(auth.verdict(ip, "Bearer nope")).toBe("unauthorized");
    expect(auth.verdict(ip, "Bearer the-secret")).toBe("pass");
  });

  it("requirePlatformBearer: false: never checked", () => {
    const auth = new PlatformPushAuth({
      client: client(),
      state: new AgentStateStore(undefined),
      require: false,
    });
    expect(auth.verdict(PUSH_URL, undefined)).toBe("pass");
  });
});
