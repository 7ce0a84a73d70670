// Issue 111 for the transcript route: its bearer check asks the platform, and an identity-aware
// proxy in front of it answering its sign-in page says nothing of the bearer. The check fails
// closed, and the refusal is not remembered: once the front passes requests, the same bearer is
// accepted at once (a refusal of the platform's own is remembered for up to 5 s).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { errorFront, SIGN_IN_PAGES } from "@internal/test-utils";
import { afterEach, expect, it } from "vitest";
import { createTranscriptHandler, TranscriptLog } from "../src/org/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

it("a front's sign-in page fails the bearer check closed, and is not remembered as a refusal", async () => {
  const emu = await startEmulator({ compat: "2026-04" });
  cleanups.push(() => emu.close());
  const me = await emu.admin.createWorkspace({ name: "talker" });
  const front = await errorFront({ upstream: emu.url, page: SIGN_IN_PAGES["sign-in 401"] });
  cleanups.push(() => front.close());
  const warned: string[] = [];
  const log = new TranscriptLog({ maxLines: 3 });
  log.add("agent", "hi there");
  const transcript = createTranscriptHandler({
    platformUrl: front.url,
    workspaceId: me.id,
    log,
    logger: { warn: (m: string, f?: unknown) => void warned.push(`${m} ${JSON.stringify(f)}`) },
  });
  const server = http.createServer((req, res) => {
    void transcript(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/transcript`;
  const ask = (): Promise<Response> =>
    fetch(url, { headers: { Authorization: `Bearer ${me.token!}` } });

  front.failing(true);
  expect((await ask()).status).toBe(401);
  expect(warned.join("\n")).toMatch(/bearer failed .*front answered 401/);
  front.failing(false);
  const r = await ask();
  expect(r.status).toBe(200);
  await r.body?.cancel();
});
