// The built example on the April-2026 platform (no poll delivery), run as a user runs it with only
// the README's variables: it serves its push route on localhost, registers it, and answers.
import { callExampleOnPlatform, useEmulator } from "@example/shared/testing";
import { describe, expect, it } from "vitest";

const platform = useEmulator({ compat: "2026-04" });

describe("node dist/main.js on the April-2026 platform", () => {
  it("answers a peer's call with only the README's variables", async () => {
    const { result, run } = await callExampleOnPlatform(
      new URL("../dist/main.js", import.meta.url),
      {
        emu: platform.emu,
        name: "Writer",
        ready: /^Writer .* connected to .* \(delivery: push\)/,
        text: "Write a tagline.",
        unset: ["AI_SDK_MODEL"],
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).not.toBe("");
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  }, 60_000);
});
