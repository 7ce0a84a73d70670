// The built example on the April-2026 platform (no poll delivery), run as a user runs it with only
// the README's variables: it picks push, registers a URL that platform accepts, and answers.
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
        name: "Researcher",
        ready: /^Researcher .* connected to .* \(delivery: push\)/,
        text: "What is a remote agent?",
        unset: ["LANGCHAIN_MODEL"],
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).not.toBe("");
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  }, 60_000);
});

// The platform users run today, with push as the README shows it (MOLECULE_PUBLIC_URL): the
// platform's pushes carry its bearer, which the agent requires there.
describe("node dist/main.js on the August-2026 platform", () => {
  it("answers a peer's call pushed through the platform", async () => {
    const { result, run } = await callExampleOnPlatform(
      new URL("../dist/main.js", import.meta.url),
      {
        emu: august.emu,
        name: "Researcher",
        ready: /^Researcher .* connected to .* \(delivery: push\)/,
        text: "What is a remote agent?",
        localPush: true,
        unset: ["LANGCHAIN_MODEL"],
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).not.toBe("");
    expect(run.code).toBe(0);
  }, 60_000);
});
