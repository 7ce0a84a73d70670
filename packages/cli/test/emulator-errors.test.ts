// The emulator's deliberate errors follow the SDK's error model: core's isMoleculeError() accepts
// them, with a stable code, `retryable` and (admin calls) the HTTP status.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isMoleculeError } from "@molecule-ai/agent-core";
import { startEmulator, type Compat } from "@molecule-ai/platform-emulator";

describe("EmulatorError", () => {
  it("a bad option and a failed admin call are MoleculeErrors with a code", async () => {
    const bad = await startEmulator({ compat: "2025" as Compat }).catch((e: unknown) => e);
    expect(isMoleculeError(bad, "invalid_argument")).toBe(true);
    expect((bad as Error).message).toContain(
      "compat must be one of latest, 2026-04, 2026-05, 2026-08",
    );

    const emu = await startEmulator();
    try {
      const err = await emu.admin.deleteWorkspace("not-a-uuid").catch((e: unknown) => e);
      expect(isMoleculeError(err, "admin_call_failed")).toBe(true);
      expect(err).toMatchObject({ status: 400, retryable: false });
      expect(() => emu.advanceClock(-1)).toThrow(
        expect.objectContaining({ code: "invalid_argument" }),
      );
      const missing = await emu.admin.getWorkspace(randomUUID()).catch((e: unknown) => e);
      expect(isMoleculeError(missing, "admin_call_failed")).toBe(true);
    } finally {
      await emu.close();
    }
  });
});
