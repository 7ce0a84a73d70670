// Tracing in the edge build (`dist/edge/`): it cannot look the optional `@opentelemetry/api` up, so
// it records nothing until the application hands it the API (`useOpenTelemetry` from `/a2a`); then a platform
// request over real HTTP (the emulator) is a span on the application's provider. The edge build
// is imported here in Node, as a bundler would take it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as otelApi from "@opentelemetry/api";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { testTracing } from "@internal/test-utils/tracing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Core from "../src/index.js";
import type * as CoreA2A from "../src/public/a2a.js";

const edgeEntry = join(fileURLToPath(new URL("..", import.meta.url)), "dist/edge/index.js");
const edge = (await import(edgeEntry)) as typeof Core;
const edgeA2A = (await import(edgeEntry.replace("index.js", "public/a2a.js"))) as typeof CoreA2A;

const { exporter, register, shutdown } = testTracing();
let emu: Emulator;

beforeAll(async () => {
  register();
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
  await shutdown();
});

async function heartbeat(): Promise<void> {
  const w = await emu.admin.createWorkspace({ name: "edge-traced" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new edge.PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  try {
    await client.heartbeat();
  } finally {
    await client.close();
  }
}

const names = () => exporter.getFinishedSpans().map((s) => s.name);

describe("tracing in the edge build", () => {
  it("records no span until the application hands it the API, then records platform requests", async () => {
    await heartbeat();
    expect(names()).toEqual([]);

    edgeA2A.useOpenTelemetry(otelApi);
    await heartbeat();
    const span = exporter.getFinishedSpans().find((s) => s.name === "POST /registry/heartbeat");
    expect(span?.attributes["http.response.status_code"]).toBe(200);
    expect(JSON.stringify(span?.attributes)).not.toContain("Bearer");
  });

  it("refuses what is not the @opentelemetry/api module, saying what to pass", () => {
    expect(() => edgeA2A.useOpenTelemetry({})).toThrow(
      /import \* as api from "@opentelemetry\/api"/,
    );
  });
});
