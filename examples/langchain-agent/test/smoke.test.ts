// The LangChain researcher against an in-process emulator, and the built example run as a user runs it.
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { runExample, useEmulator, waitForReplies } from "@example/shared/testing";
import { sanitizePeerText } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { DEMO_MODEL_LABEL, startLangChainSpecialist } from "../src/agent.js";

const FACT = "the archive was founded in 1887.";

const platform = useEmulator();

/** Workspaces for one test (the emulator is shared, so earlier tests' workspaces are peers too): researcher, an Archivist peer that answers FACT (push), and an asker. */
async function org() {
  const { subjectWs, peerWs, caller, received } = await platform.org({
    subject: "Researcher",
    peer: "Archivist",
    caller: "Asker",
    answer: FACT,
  });
  return {
    emu: platform.emu,
    researcherWs: subjectWs,
    archivistWs: peerWs,
    asker: caller,
    received,
  };
}

describe("startLangChainSpecialist", () => {
  it("answers a peer's question (poll) after asking the peer it names, through its peer tool", async () => {
    const { emu, researcherWs, archivistWs, asker, received } = await org();
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
    });
    platform.defer(researcher.stop);
    expect(researcher.model).toBe(DEMO_MODEL_LABEL);
    expect(researcher.agent.delivery).toBe("poll");
    expect(researcher.tools).toEqual(expect.arrayContaining(["call_archivist", "call_asker"]));

    const question = "When was the archive founded? Ask the archivist.";
    const sent = await asker.callPeer(researcherWs.id, question);
    expect(sent.status).toBe("queued");
    const [reply] = await waitForReplies(asker, researcherWs.id);
    expect(sanitizePeerText(reply?.text)).toBe(`According to the archivist: ${FACT}`);
    // the peer tool really called the Archivist through the platform
    expect(received).toEqual([question]);
    expect(emu.activity(archivistWs.id).some((r) => r["source_id"] === researcherWs.id)).toBe(true);
  });

  it("answers directly over push when no peer is named, without calling any", async () => {
    const { emu, researcherWs, asker, received } = await org();
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
      delivery: "push",
    });
    platform.defer(researcher.stop);
    const result = await asker.callPeer(researcherWs.id, "Hello?");
    expect(result.status).toBe("completed");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toMatch(
      /^I am a demo model, not an LLM: name one of my peers \(.*\barchivist\b.*\)/,
    );
    expect(received).toEqual([]);
  });

  it("uses the model it is given", async () => {
    const { emu, researcherWs, asker } = await org();
    const model = fakeModel().respond(new AIMessage("from the real model"));
    const researcher = await startLangChainSpecialist({
      platformUrl: emu.url,
      workspaceId: researcherWs.id,
      token: researcherWs.token!,
      delivery: "push",
      model,
    });
    platform.defer(researcher.stop);
    expect(researcher.model).not.toBe(DEMO_MODEL_LABEL);
    const result = await asker.callPeer(researcherWs.id, "Hi");
    expect(result.status !== "queued" && sanitizePeerText(result.text)).toBe("from the real model");
    expect(model.callCount).toBe(1);
  });
});

describe("the example (node dist/main.js)", () => {
  it("runs offline: the Editor's question is answered via the Archivist, then it exits 0", async () => {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await runExample(new URL("../dist/main.js", import.meta.url), {
      unset: ["LANGCHAIN_MODEL"],
    });
    // Only the agents' own info lines (connected, stopped) on stderr: no warning, no error.
    const problems = err.split("\n").filter((l) => l !== "" && !l.startsWith("[molecule] info "));
    expect({ code, problems }).toEqual({ code: 0, problems: [] });
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
