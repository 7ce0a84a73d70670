// The canvas page in a real Chromium, on an org whose traffic the test makes: at 1440 x 900 and
// 390 x 844 the arcs (in their line's colour, inside the viewport, labels clear) and panels hold;
// a poll agent's answer joins the thread of the message it answers, with its round trip; the page
// shows the thread it sent on and keeps it listed while other calls arrive.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleErrors, launch, noBrowserReason, openCanvas } from "./browser.js";
import { arcProblems, layoutProblems, SCREENS } from "./layout.js";

const skip = noBrowserReason();
if (skip !== undefined) console.warn(skip);

describe.skipIf(skip !== undefined)("the canvas page on an org the test drives", () => {
  let browser: Browser;
  let emu: Emulator;
  let admin: AdminClient;
  const agents: { agent: RemoteAgent; client: PlatformClient }[] = [];

  async function startAgent(
    name: string,
    answer: (m: InboundMessage) => string | undefined | Promise<string>,
    options: {
      parentId?: string;
      maxAttempts?: number;
      onDeadLetter?: () => void;
      concurrency?: number;
    } = {},
  ) {
    const ws = await admin.createExternalWorkspace({
      name,
      ...(options.parentId !== undefined ? { parentId: options.parentId } : {}),
    });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
    });
    const agent = new RemoteAgent({
      client,
      agentCard: { name },
      delivery: "poll",
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.onDeadLetter !== undefined ? { onDeadLetter: options.onDeadLetter } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      handler: answer,
    });
    await agent.start();
    agents.push({ agent, client });
    return { id: ws.id, agent };
  }

  let alpha: Awaited<ReturnType<typeof startAgent>>;
  let beta: Awaited<ReturnType<typeof startAgent>>;
  let flaky: Awaited<ReturnType<typeof startAgent>>;

  beforeAll(async () => {
    browser = await launch();
    emu = await startEmulator();
    admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
    alpha = await startAgent("alpha", (m) => `alpha heard: ${m.text}`);
    beta = await startAgent("beta", (m) => `beta heard: ${m.text}`, { parentId: alpha.id });
    await startAgent("judge", (m) => `verdict on: ${m.text}`, { parentId: alpha.id });
    flaky = await startAgent(
      "flaky",
      () => {
        throw new Error("the model is down");
      },
      { parentId: alpha.id, maxAttempts: 1, onDeadLetter: () => undefined },
    );
  }, 60_000);
  afterAll(async () => {
    for (const a of agents) {
      await a.agent.stop();
      await a.client.close();
    }
    await admin?.close();
    await emu?.close();
    await browser?.close();
  });

  for (const screen of SCREENS)
    it(`at ${screen.width} x ${screen.height}: arcs in their line's colour inside the viewport, labels clear of each other and of the arcs, nothing overflows its panel, no console error; a queued call shows its round trip`, async () => {
      const page = await openCanvas(browser, emu.canvasUrl!, emu.adminToken, screen);
      await page.locator('.card[data-name="flaky"] [data-status="online"]').waitFor();
      // Answered calls both ways (queued for the poll agent, then its reply) and a dead letter.
      const ask = `ping ${crypto.randomUUID()}`;
      const answered = await alpha.agent.callPeer(beta.id, ask, { timeoutMs: 20_000 });
      expect(answered).toMatchObject({ status: "completed", text: `beta heard: ${ask}` });
      await beta.agent.callPeer(alpha.id, "and back", { timeoutMs: 20_000 });
      await alpha.agent.callPeer(flaky.id, `doomed ${ask}`, { awaitReply: false });
      await page
        .locator("svg.edges g.edge.tone-bad")
        .waitFor({ state: "attached", timeout: 10_000 });
      await page
        .locator(`svg.edges g.edge[data-from="${beta.id}"][data-to="${alpha.id}"]`)
        .first()
        .waitFor({ state: "attached" });
      const arcs = await arcProblems(page);
      expect(arcs.problems).toEqual([]);
      expect(arcs.arcs).toBeGreaterThanOrEqual(3);
      expect(await layoutProblems(page)).toEqual([]);
      // The poll call shows its real round trip once the answer came (not "queued · 0 ms").
      const row = page
        .locator(`.traffic li[data-from="${alpha.id}"][data-to="${beta.id}"]`, {
          hasText: "message/send",
        })
        .first();
      await expect
        .poll(() => row.textContent())
        .toMatch(/queued message\/send · answered in \d+ ms/);
      // With a card selected and a new workspace's export lines shown, still nothing sticks out.
      await page.locator('.card[data-name="alpha"]').click();
      await page.getByLabel("Name").fill(`child-${screen.name}`);
      await page.getByLabel("as a child of alpha").check();
      await page.getByRole("button", { name: "Create" }).click();
      await page.locator("pre.exports").waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      if (process.env["CANVAS_SHOTS"] !== undefined)
        await page.screenshot({
          fullPage: true,
          path: `${process.env["CANVAS_SHOTS"]}/threads-${screen.name}.png`,
        });
      expect(consoleErrors(page)).toEqual([]);
      await page.close();
    }, 90_000);

  it("a poll agent's answer to a message sent from the page joins that message's thread with its round trip; the page switches to the thread it sent on and keeps it listed while other calls arrive", async () => {
    const page = await openCanvas(browser, emu.canvasUrl!, emu.adminToken, SCREENS[0]);
    await alpha.agent.callPeer(beta.id, `first ${crypto.randomUUID()}`, { timeoutMs: 20_000 });
    // The user looks at another thread first.
    const pick = page.getByLabel("Thread (contextId)");
    const other = pick.locator("option", { hasText: "alpha → beta" }).first();
    await other.waitFor({ state: "attached" });
    await pick.selectOption((await other.getAttribute("value"))!);

    await page.locator('.card[data-name="judge"]').click();
    const said = `judge this ${crypto.randomUUID()}`;
    await page.getByLabel("Message to judge (as the canvas user)").fill(said);
    await page.getByRole("button", { name: "Send" }).click();
    // The page shows the thread it sent on, and the poll agent's answer (a notify) lands in it.
    const thread = page.locator("ol.thread");
    await expect.poll(() => thread.textContent()).toContain(`verdict on: ${said}`);
    const shown = (await thread.textContent())!;
    expect(shown).toContain(said);
    expect(shown).toContain("judge → canvas user · answer");
    expect(shown).toMatch(/canvas user → judge · message\/send · queued · answered in \d+ ms/);
    expect(await pick.locator("option", { hasText: "judge → canvas user" }).count()).toBe(0);
    const key = await thread.getAttribute("data-context");
    expect(await pick.inputValue()).toBe(key);

    // More than 30 other threads arrive: the one shown stays shown and listed.
    for (let i = 0; i < 35; i++)
      await alpha.agent.callPeer(beta.id, `filler ${i}`, { awaitReply: false });
    await expect.poll(() => pick.locator("option").count()).toBe(31);
    expect(await pick.inputValue()).toBe(key);
    expect(await thread.getAttribute("data-context")).toBe(key);
    expect(await thread.textContent()).toContain(said);
    expect(consoleErrors(page)).toEqual([]);
    await page.close();
  }, 90_000);

  it("a push workspace online without a URL is shown as what a call gets (no URL: 503), not plainly online", async () => {
    // The state a platform can hold (status online, push delivery, no URL), from a state file.
    const dir = await mkdtemp(join(tmpdir(), "canvas-no-url-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startEmulator({ stateFile });
      const firstAdmin = new AdminClient({ platformUrl: first.url, adminToken: first.adminToken });
      const ws = await firstAdmin.createExternalWorkspace({ name: "pusher" });
      await firstAdmin.close();
      const registered = await fetch(`${first.url}/registry/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${ws.token}` },
        body: JSON.stringify({
          id: ws.id,
          url: "http://localhost:9/a2a",
          delivery_mode: "push",
          agent_card: { name: "pusher" },
        }),
      });
      expect(registered.status).toBe(200);
      await first.close();
      const state = JSON.parse(await readFile(stateFile, "utf8")) as {
        workspaces: { id: string; url: string; status: string }[];
      };
      const row = state.workspaces.find((w) => w.id === ws.id)!;
      expect(row.status).toBe("online");
      row.url = "";
      await writeFile(stateFile, JSON.stringify(state));
      const second = await startEmulator({ stateFile });
      try {
        // The canvas route wants the canvas's bearer (the admin token) on August 2026.
        const call = await fetch(`${second.url}/workspaces/${ws.id}/a2a`, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Authorization: `Bearer ${second.adminToken}`,
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "message/send",
            params: {
              message: { role: "user", messageId: "m1", parts: [{ kind: "text", text: "hi" }] },
            },
          }),
        });
        expect(call.status).toBe(503);
        const page = await openCanvas(browser, second.canvasUrl!, second.adminToken, SCREENS[1]);
        const badge = page.locator(`.card[data-name="pusher"] [data-status="online"]`);
        await badge.waitFor();
        expect(await badge.textContent()).toBe("online · no URL");
        expect(await badge.getAttribute("data-no-url")).toBe("true");
        expect(await page.locator('.card[data-name="pusher"]').textContent()).toContain(
          "calls get 503 until its agent registers a URL",
        );
        expect(await layoutProblems(page)).toEqual([]);
        expect(consoleErrors(page)).toEqual([]);
        await page.close();
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("a call someone else sends the same poll agent through the canvas route meanwhile does not take the answer to the page's message", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const received: string[] = [];
    const scribe = await startAgent(
      "scribe",
      async (m) => {
        received.push(m.text);
        if (m.text.startsWith("hold")) await gate;
        return `noted: ${m.text}`;
      },
      { concurrency: 1 },
    );
    const page = await openCanvas(browser, emu.canvasUrl!, emu.adminToken, SCREENS[0]);
    await page.locator('.card[data-name="scribe"]').click();
    const mine = `hold ${crypto.randomUUID()}`;
    await page.getByLabel("Message to scribe (as the canvas user)").fill(mine);
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => received).toContain(mine);
    // The attack: another message to scribe through the canvas route (no caller), sent while the
    // page's one waits for its answer.
    const theirs = `steal ${crypto.randomUUID()}`;
    // With the canvas's bearer (the admin token), which the canvas route wants on August 2026.
    const sent = await fetch(`${emu.url}/workspaces/${scribe.id}/a2a`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${emu.adminToken}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: {
          message: {
            role: "user",
            messageId: crypto.randomUUID(),
            contextId: crypto.randomUUID(),
            parts: [{ kind: "text", text: theirs }],
          },
        },
      }),
    });
    expect(sent.status).toBe(200);
    await page
      .locator(`.traffic li[data-from="canvas"][data-to="${scribe.id}"]`)
      .nth(1)
      .waitFor({ state: "attached" });
    open();
    const thread = page.locator("ol.thread");
    await expect.poll(() => thread.textContent()).toContain(`noted: ${mine}`);
    await expect.poll(() => received).toContain(theirs);
    await page
      .locator(".traffic li", { hasText: "notify" })
      .nth(1)
      .waitFor({ state: "attached", timeout: 15_000 });
    expect(await thread.textContent()).toContain(mine);
    expect(await thread.textContent()).not.toContain(theirs);
    await page.close();
  }, 90_000);
});
