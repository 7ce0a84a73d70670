// The built example on the April-2026 platform (no poll delivery), run as a user runs it with only
// the README's variables: it boots the Nest HTTP app for push on localhost, and answers.
import { callExampleOnPlatform, useEmulator } from "@example/shared/testing";
import { describe, expect, it } from "vitest";

const platform = useEmulator({ compat: "2026-04" });
const august = useEmulator({ compat: "2026-08" });

describe("node dist/main.js on the April-2026 platform", () => {
  it("answers a peer's call with only the README's variables", async () => {
    const { result, run } = await callExampleOnPlatform(
      new URL("../dist/main.js", import.meta.url),
      {
        emu: platform.emu,
        name: "reviewer",
        ready: /^reviewer online as workspace .* \(delivery: push\)/,
        text: "Please review: We utilize synergies.",
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).toMatch(/Verdict/);
    expect(run.code).toBe(0);
  }, 60_000);
});

// The platform users run today, with push as the README shows it (MOLECULE_DELIVERY=push): the
// platform's pushes carry its bearer, which the agent requires there.
describe("node dist/main.js on the August-2026 platform", () => {
  it("answers a peer's call pushed through the platform", async () => {
    const { result, run } = await callExampleOnPlatform(
      new URL("../dist/main.js", import.meta.url),
      {
        emu: august.emu,
        name: "reviewer",
        ready: /^reviewer online as workspace .* \(delivery: push\)/,
        text: "Please review: We utilize synergies.",
        env: { MOLECULE_DELIVERY: "push" },
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).toMatch(/Verdict/);
    expect(run.code).toBe(0);
  }, 60_000);
});
