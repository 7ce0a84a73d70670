// The built example on the April-2026 platform (no poll delivery), run as a user runs it with only
// the README's variables: it picks push, registers a URL that platform accepts, and answers.
import { callExampleOnPlatform, freePort, useEmulator } from "@example/shared/testing";
import { describe, expect, it } from "vitest";

const platform = useEmulator({ compat: "2026-04" });
const august = useEmulator({ compat: "2026-08" });
const main = new URL("../dist/main.js", import.meta.url);

const ready = /^Echo agent .* connected to .* \(delivery: push\)/;

describe("node dist/main.js on the April-2026 platform", () => {
  it("answers a peer's call with only the README's variables", async () => {
    const { result, run } = await callExampleOnPlatform(main, {
      emu: platform.emu,
      name: "Echo",
      ready,
      text: "ping",
    });
    expect(result).toMatchObject({ status: "completed", text: "echo: ping" });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  }, 60_000);

  it("takes MOLECULE_PUBLIC_URL and MOLECULE_PORT, and the old names with a warning", async () => {
    const port = await freePort();
    const { result, run } = await callExampleOnPlatform(main, {
      emu: platform.emu,
      name: "Echo old names",
      ready,
      text: "pong",
      env: { MOLECULE_REPORTED_URL: `http://localhost:${port}`, MOLECULE_PORT: String(port) },
    });
    expect(result).toMatchObject({ status: "completed", text: "echo: pong" });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      "warning: MOLECULE_REPORTED_URL is deprecated: rename it to MOLECULE_PUBLIC_URL",
    );
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
        name: "Echo",
        ready: /^Echo agent .* connected to .* \(delivery: push\)/,
        text: "ping",
        localPush: true,
      },
    );
    expect(result.status).toBe("completed");
    expect(result.status === "queued" ? "" : result.text).not.toBe("");
    expect(run.code).toBe(0);
  }, 60_000);
});
