// The offline run: an in-process emulator, the Nest reviewer, and an "editor" workspace that asks
// it for a review through the platform's A2A proxy.
import { performance } from "node:perf_hooks";
import type { Writable } from "node:stream";
import { fetchInbound, PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { startNestSpecialist } from "./specialist.js";
import type { NestSpecialist } from "./specialist.js";

/** The draft the editor sends when no `text` is given. */
const SAMPLE_DRAFT =
  "Our new cache is really fast and it never loses data. " +
  "It keeps the the hottest keys in memory.";

/** Options of {@link runOffline}. */
export interface OfflineOptions {
  /** Where the run is narrated (default: nowhere). */
  out?: Writable;
  /** How the reviewer receives messages (default `"poll"`). */
  delivery?: "poll" | "push";
  /** Push: the Nest HTTP adapter (default `"express"`). */
  adapter?: "express" | "fastify";
  /** The text to review (default {@link SAMPLE_DRAFT}). */
  text?: string;
  /** How long to wait for the reply in ms (default 15 000). */
  timeoutMs?: number;
}

/** What {@link runOffline} returns; call `close()` when done. */
export interface OfflineResult {
  /** The reviewer's reply, sanitised (OFFSEC-003 markers stripped, spoofed markers defused). */
  reply: string;
  /** Time from sending the request to having the reply, in ms. */
  latencyMs: number;
  /** How the reviewer received the message. */
  delivery: "poll" | "push";
  /** The emulator (its `url` and `adminToken`). */
  emulator: Emulator;
  /** The reviewer's and the editor's workspace ids. */
  workspaces: { reviewer: string; editor: string };
  /** Stops the reviewer, then the emulator. */
  close(): Promise<void>;
}

function say(out: Writable | undefined, line: string): void {
  out?.write(`${line}\n`);
}

async function waitForReply(
  editor: PlatformClient,
  reviewerId: string,
  messageId: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const inbox = await fetchInbound(editor, { peerId: reviewerId });
    const reply = inbox.find((m) => m.sourceId === reviewerId);
    if (reply) return reply.text;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `no reply from the reviewer to message ${messageId} within ${timeoutMs} ms; is it online?`,
  );
}

/**
 * Runs the example offline: starts the platform emulator in-process, creates an `editor`
 * workspace and a `reviewer` child, boots the Nest reviewer, sends it a draft through the A2A
 * proxy, and returns the (sanitised) review. With push delivery the review is the A2A result;
 * with poll delivery the call is queued and the review arrives as a message to the editor.
 */
export async function runOffline(options: OfflineOptions = {}): Promise<OfflineResult> {
  const { out } = options;
  const delivery = options.delivery ?? "poll";
  const emu = await startEmulator({ sseKeepAliveMs: 1_000 });
  let reviewer: NestSpecialist | undefined;
  let editor: PlatformClient | undefined;
  const close = async (): Promise<void> => {
    await reviewer?.stop();
    await editor?.close();
    await emu.close();
  };
  try {
    say(out, `platform   emulator at ${emu.url} (in-process, contract ${emu.compat})`);
    const editorWs = await emu.admin.createWorkspace({ name: "editor", role: "editor" });
    const reviewerWs = await emu.admin.createWorkspace({
      name: "reviewer",
      role: "reviewer",
      parentId: editorWs.id,
    });
    editor = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: editorWs.id,
      token: editorWs.token,
    });
    await editor.register({ agentCard: { name: "editor" }, deliveryMode: "poll" });

    const started = performance.now();
    const specialistOptions: Parameters<typeof startNestSpecialist>[0] = {
      platformUrl: emu.url,
      workspaceId: reviewerWs.id,
      delivery,
    };
    if (reviewerWs.token !== undefined) specialistOptions.token = reviewerWs.token;
    if (options.adapter !== undefined) specialistOptions.adapter = options.adapter;
    reviewer = await startNestSpecialist(specialistOptions);
    const status = (await emu.admin.getWorkspace(reviewerWs.id))["status"];
    const via =
      delivery === "push" ? `push to ${options.adapter ?? "express"} route` : "poll delivery";
    say(
      out,
      `reviewer   workspace ${reviewerWs.id} is ${String(status)} (NestJS, ${via}, ${Math.round(performance.now() - started)} ms to boot)`,
    );

    const text = options.text ?? SAMPLE_DRAFT;
    say(out, `editor  →  reviewer   "${text}"`);
    const sent = performance.now();
    const result = await editor.callPeer(reviewerWs.id, `Review: ${text}`);
    const raw =
      result.status === "queued"
        ? await waitForReply(editor, reviewerWs.id, result.messageId, options.timeoutMs ?? 15_000)
        : result.text;
    const latencyMs = performance.now() - sent;
    const reply = sanitizePeerText(raw);
    say(
      out,
      `editor  ←  reviewer   ${Math.round(latencyMs)} ms${result.status === "queued" ? " (queued, answered by message)" : ""}`,
    );
    for (const line of reply.split("\n")) say(out, `           ${line}`);
    return {
      reply,
      latencyMs,
      delivery,
      emulator: emu,
      workspaces: { reviewer: reviewerWs.id, editor: editorWs.id },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
