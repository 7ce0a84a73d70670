// Bounds at the store and span layers, over real HTTP against the emulator: a sender-chosen id
// over MAX_ID_LENGTH never reaches a span attribute or a store whole (the entry stages refuse such
// ids; these are the last line of defence: stores keep a hash, spans a truncated value).
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { testTracing } from "@internal/test-utils/tracing";
import { fileStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { BoundedSet, boundedKey } from "../src/inbound/index.js";
import { MAX_SPAN_ATTRIBUTE_LENGTH, MAX_SPAN_MESSAGE_LENGTH } from "../src/observability/index.js";

const { exporter, register, shutdown } = testTracing();
beforeAll(register);
afterAll(shutdown);
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  exporter.reset();
});

/** A sender-sized id: 20,000 characters. */
const huge = (tag: string) => `${tag}-${randomUUID()}-${"x".repeat(20_000)}`;

async function filesIn(dir: string): Promise<string> {
  const names = await readdir(dir);
  const texts = await Promise.all(names.map(async (n) => await readFile(join(dir, n), "utf8")));
  return texts.join("\n");
}

describe("an overlong id", () => {
  it("is kept as a bounded key by the de-dup window", () => {
    const id = huge("m");
    const set = new BoundedSet(10);
    set.add(id);
    expect(set.has(id)).toBe(true);
    expect(set.has(`${id}y`)).toBe(false);
    expect(set.toArray()).toEqual([boundedKey(id)]);
    expect(boundedKey(id)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(boundedKey("short")).toBe("short");
  });

  for (const delivery of ["poll", "push"] as const) {
    it(`${delivery}: never reaches a span or the file store whole`, async () => {
      const emu = await startEmulator();
      cleanups.push(() => emu.close());
      const dir = await mkdtemp(join(tmpdir(), "bounds-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const a = await emu.admin.createWorkspace({ name: "receiver" });
      const p = await emu.admin.createWorkspace({ name: "sender" });
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: a.id,
        token: a.token!,
      });
      const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
      cleanups.push(
        () => client.close(),
        () => peer.close(),
      );
      const messageId = huge("m");
      const contextId = huge("c");
      /** What the store held while the handler ran (read by the handler itself). */
      const heldWhole: boolean[] = [];
      const agent = new RemoteAgent({
        client,
        store: fileStore(join(dir, "cursor")),
        delivery: delivery === "push" ? { mode: "push", host: "127.0.0.1" } : "poll",
        logger: {},
        pollIntervalMs: 20,
        handler: async () => {
          const text = await filesIn(dir);
          heldWhole.push(text.includes(messageId) || text.includes(contextId));
        },
      });
      cleanups.push(() => agent.stop());
      await agent.start();

      await peer.callPeer(a.id, "long ids", { messageId, contextId }).catch(() => undefined);
      const last = randomUUID();
      await peer.callPeer(a.id, "short ids", { messageId: last });
      // Settled (handled, or refused by an entry stage): the agent is past both messages.
      await waitFor(() => heldWhole.length >= 1 && emu.activity(a.id).length >= 2, {
        timeoutMs: 30_000,
      });
      await agent.stop();

      expect(heldWhole).not.toContain(true);
      const stored = await filesIn(dir);
      expect(stored).not.toContain(messageId);
      expect(stored).not.toContain(contextId);
      const spans = exporter.getFinishedSpans();
      expect(spans.length).toBeGreaterThan(0);
      const strings = spans.flatMap((span) => [
        ...Object.entries(span.attributes).map(([key, value]) => ({
          at: `${span.name} ${key}`,
          value,
        })),
        ...span.events.flatMap((ev) =>
          Object.entries(ev.attributes ?? {}).map(([key, value]) => ({
            at: `${span.name} ${ev.name} ${key}`,
            value,
          })),
        ),
      ]);
      const long = strings.filter(
        (a) => typeof a.value === "string" && a.value.length > MAX_SPAN_ATTRIBUTE_LENGTH,
      );
      expect(long.filter((a) => !a.at.includes("exception.message"))).toEqual([]);
      expect(strings.filter((a) => String(a.value).includes(messageId))).toEqual([]);
      // The sender's span of its call keeps the id's start, cut to the bound.
      const sent = spans.filter((s) =>
        String(s.attributes["a2a.message.id"] ?? "").startsWith("m-"),
      );
      expect(sent.length).toBeGreaterThan(0);
    });
  }
});

describe("a handler's error", () => {
  it(`is recorded on its span cut to ${MAX_SPAN_MESSAGE_LENGTH} characters, in every exception event and the status`, async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await emu.admin.createWorkspace({ name: "receiver" });
    const p = await emu.admin.createWorkspace({ name: "sender" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    cleanups.push(
      () => client.close(),
      () => peer.close(),
    );
    const huge = `boom ${"y".repeat(100_000)}`;
    let dead = false;
    const agent = new RemoteAgent({
      client,
      logger: {},
      pollIntervalMs: 20,
      maxAttempts: 2,
      retryBaseMs: 1,
      onDeadLetter: () => void (dead = true),
      handler: () => {
        const err = new Error(huge);
        err.name = `Huge${"N".repeat(10_000)}`;
        throw err;
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await peer.callPeer(a.id, "fail", { messageId: randomUUID() });
    await waitFor(() => dead, { timeoutMs: 30_000 });
    await agent.stop();

    const span = exporter.getFinishedSpans().find((s) => s.name === "molecule.handle_message");
    const events = span?.events.filter((e) => e.name === "exception") ?? [];
    expect(events).toHaveLength(2); // each attempt
    for (const e of events) {
      const message = String(e.attributes?.["exception.message"]);
      expect(message.length).toBe(MAX_SPAN_MESSAGE_LENGTH);
      expect(message.endsWith("…")).toBe(true);
      expect(String(e.attributes?.["exception.type"]).length).toBe(MAX_SPAN_ATTRIBUTE_LENGTH);
    }
    expect(span!.status.message!.length).toBeLessThanOrEqual(MAX_SPAN_MESSAGE_LENGTH);
  });
});
