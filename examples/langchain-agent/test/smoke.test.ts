// The LangChain researcher against an in-process emulator, and the built example run as a user runs it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_MODEL_LABEL, startLangChainSpecialist } from "../src/agent.js";

const FACT = "the archive was founded in 1887.";

let emu: Emulator;
let cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  for (const fn of cleanup.toReversed()) await fn();
  cleanup = [];
});
afterAll(() => emu.close());

/** Workspaces for one test (the emulator is shared, so earlier tests' workspaces are peers too): researcher, an Archivist peer that answers FACT (push), and an asker. */
async function org() {
  const researcherWs = await emu.admin.createWorkspace({ name: "Researcher" });
  const archivistWs = await emu.admin.createWorkspace({ name: "Archivist" });
  const askerWs = await emu.admin.createWorkspace({ name: "Asker" });
  const archivistClient = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: archivistWs.id,
    token: archivistWs.token!,
  });
  const received: string[] = [];
  const archivist = new RemoteAgent({
    client: archivistClient,
    delivery: "push",
    handler: (msg) => {
      received.push(msg.text);
      return FACT;
    },
  });
  await archivist.start();
  const asker = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: askerWs.id,
    token: askerWs.token!,
  });
  await asker.register({ agentCard: { name: "Asker" }, deliveryMode: "poll" });
  cleanup.push(async () => {
    await archivist.stop();
    await archivistClient.close();
    await asker.close();
  });
  return { researcherWs, archivistWs, asker, received };
}

async function waitForReply(
  client: PlatformClient,
  from: string,
): Promise<InboundMessage | undefined> {
  for (let i = 0; i < 400; i++) {
    const [reply] = (await client.fetchInbound()).filter((m) => m.sourceId === from);
    if (reply) return reply;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

describe("startLangChainSpecialist", () => {
  it("answers a peer's question (poll) after asking the peer it names, through its peer tool", async () => {
    const { researcherWs, archivistWs, asker, received } = await org();
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
    });
    cleanup.push(researcher.stop);
    expect(researcher.model).toBe(DEMO_MODEL_LABEL);
    expect(researcher.agent.delivery).toBe("poll");
    expect(researcher.tools).toEqual(expect.arrayContaining(["call_archivist", "call_asker"]));

    const question = "When was the archive founded? Ask the archivist.";
    const sent = await asker.callPeer(researcherWs.id, question);
    expect(sent.status).toBe("queued");
    const reply = await waitForReply(asker, researcherWs.id);
    expect(sanitizePeerText(reply?.text)).toBe(`According to the archivist: ${FACT}`);
    // the peer tool really called the Archivist through the platform
    expect(received).toEqual([question]);
    expect(emu.activity(archivistWs.id).some((r) => r["source_id"] === researcherWs.id)).toBe(true);
  });

  it("answers directly over push when no peer is named, without calling any", async () => {
    const { researcherWs, asker, received } = await org();
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
      delivery: "push",
    });
    cleanup.push(researcher.stop);
    const result = await asker.callPeer(researcherWs.id, "Hello?");
    expect(result.status).toBe("completed");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toMatch(
      /^I am a demo model, not an LLM: name one of my peers \(.*\barchivist\b.*\)/,
    );
    expect(received).toEqual([]);
  });

  it("uses the model it is given", async () => {
    const { researcherWs, asker } = await org();
    const model = fakeModel().respond(new AIMessage("from the real model"));
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
      delivery: "push",
      model,
    });
    cleanup.push(researcher.stop);
    expect(researcher.model).not.toBe(DEMO_MODEL_LABEL);
    const result = await asker.callPeer(researcherWs.id, "Hi");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toBe("from the real model");
    expect(model.callCount).toBe(1);
  });
});

describe("the example (node dist/main.js)", () => {
  it("runs offline: the Editor's question is answered via the Archivist, then it exits 0", async () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith("MOLECULE_") && k !== "LANGCHAIN_MODEL",
      ),
    );
    const child = spawn(process.execPath, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain(`model: ${DEMO_MODEL_LABEL}\n`);
    expect(out).toContain(
      "Editor -> Researcher: What does the Archivist know about remote agents?\n",
    );
    expect(out).toContain(
      "  Researcher -> Archivist (peer tool call): What does the Archivist know",
    );
    expect(out).toMatch(
      /^Researcher -> Editor: According to the archivist: remote agents run anywhere/m,
    );
    expect(out.trimEnd().endsWith("done")).toBe(true);
  });
});
