import { isMoleculeError } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { MoleculeAgentConfigError } from "../src/errors.js";
import { resolveOptions } from "../src/options.js";
import type { MoleculeAgentModuleOptions } from "../src/options.js";

const base: MoleculeAgentModuleOptions = {
  platformUrl: "http://127.0.0.1:8080",
  workspaceId: "ws-1",
};

const bad = (options: unknown) => () => resolveOptions(options as MoleculeAgentModuleOptions);

describe("resolveOptions", () => {
  it("leaves delivery to the agent when unset (poll where the platform has it, else push)", () => {
    expect(resolveOptions(base).delivery).toEqual({ mode: "auto" });
    expect(resolveOptions({ ...base, delivery: "poll" }).delivery).toEqual({ mode: "poll" });
    expect(resolveOptions({ ...base, delivery: "off" }).delivery).toEqual({ mode: "off" });
    expect(
      resolveOptions({ ...base, delivery: { mode: "poll", intervalMs: 50 } }).delivery,
    ).toMatchObject({
      mode: "poll",
      intervalMs: 50,
    });
  });

  it("normalizes push delivery (trailing slashes)", () => {
    const { delivery } = resolveOptions({
      ...base,
      delivery: {
        mode: "push",
        path: "/molecule/a2a/",
        publicUrl: "https://me.example.com/molecule/a2a/",
      },
    });
    expect(delivery).toEqual({
      mode: "push",
      path: "/molecule/a2a",
      publicUrl: "https://me.example.com/molecule/a2a",
      secret: undefined,
    });
  });

  it("names the missing workspace id and how to fix it", () => {
    expect(bad({ platformUrl: base.platformUrl })).toThrow(MoleculeAgentConfigError);
    // One error model: a MoleculeError with a code, not retryable (fix the options).
    expect(bad({ platformUrl: base.platformUrl })).toThrow(
      expect.objectContaining({
        name: "MoleculeAgentConfigError",
        code: "invalid_config",
        retryable: false,
      }),
    );
    expect(isMoleculeError(new MoleculeAgentConfigError("x"), "invalid_config")).toBe(true);
    expect(bad({ platformUrl: base.platformUrl, workspaceId: " " })).toThrow(
      /`workspaceId` is missing.*forRootAsync/,
    );
  });

  it("names a missing or malformed platform URL", () => {
    expect(bad({ workspaceId: "w" })).toThrow(/`platformUrl` is missing/);
    expect(bad({ workspaceId: "w", platformUrl: "ftp://x" })).toThrow(
      /`platformUrl` must be an http\(s\) URL/,
    );
    expect(bad(undefined)).toThrow(/no options were given/);
  });

  it("rejects bad numbers and bad delivery", () => {
    expect(bad({ ...base, heartbeatIntervalMs: 0 })).toThrow(
      /`heartbeatIntervalMs` must be a positive integer/,
    );
    expect(bad({ ...base, concurrency: 1.5 })).toThrow(/`concurrency`/);
    expect(bad({ ...base, delivery: "push" })).toThrow(/`delivery` must be/);
    expect(bad({ ...base, delivery: { mode: "stream" } })).toThrow(/`delivery.mode`/);
    expect(
      bad({ ...base, delivery: { mode: "push", path: "no-slash", publicUrl: "http://x" } }),
    ).toThrow(/`delivery.path`/);
    expect(bad({ ...base, delivery: { mode: "push", path: "/a", publicUrl: "nope" } })).toThrow(
      /`delivery.publicUrl`/,
    );
    expect(
      bad({
        ...base,
        delivery: { mode: "push", path: "/a", publicUrl: "http://x", secret: "short" },
      }),
    ).toThrow(/`delivery.secret`/);
  });

  it("never echoes the token or the secret in its errors", () => {
    const secret = "s3cr3t-s3cr3t-s3cr3t-!!";
    let message = "";
    try {
      resolveOptions({
        ...base,
        token: "tok-abc",
        delivery: { mode: "push", path: "/a", publicUrl: "http://x", secret },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/`delivery.secret`/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain("tok-abc");
  });
});
