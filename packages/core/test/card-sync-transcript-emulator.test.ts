// #47: a card update keeps what RemoteAgent registered (the url the platform's transcript route
// needs, the card's capabilities) unless the caller replaces it on purpose; the registered card is
// readable. RemoteAgent({ transcript: true }) and AgentCardSync together, over real HTTP through
// the emulator, in both compat modes.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { AgentCardSync, skillsFromTools } from "../src/public/org.js";
import { PlatformClient, RemoteAgent } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function transcriptAgent(compat: "latest" | "2026-04") {
  const emu = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  const w = await emu.admin.createWorkspace({ name: "talker" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  const agent = new RemoteAgent({
    client,
    handler: (m) => `echo ${m.text}`,
    delivery: { mode: "push", streaming: true },
    agentCard: { name: "talker", capabilities: { streaming: true } },
    transcript: true,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  agent.transcript?.add("user", "hello");
  return { emu, client, agent };
}

/** The agent card the platform holds for the workspace (what its transcript route reads). */
async function platformCard(client: PlatformClient): Promise<Record<string, unknown>> {
  return (await client.getWorkspace()).agent_card as Record<string, unknown>;
}

describe("card updates keep what RemoteAgent registered", () => {
  for (const compat of ["latest", "2026-04"] as const) {
    it(`AgentCardSync.setSkills and updateAgentCard keep the transcript reachable (${compat})`, async () => {
      const { client } = await transcriptAgent(compat);
      const registered = client.registeredCard;
      expect(registered).toMatchObject({ name: "talker", capabilities: { streaming: true } });
      expect(registered?.url).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+\/$/);
      expect(registered?.url).not.toContain(client.workspaceId);
      expect((await client.fetchTranscript()).lines).toHaveLength(1);

      // The documented sync, with a card that names neither url nor capabilities.
      const sync = new AgentCardSync(client, { name: "talker" });
      expect(await sync.setSkills(skillsFromTools([{ name: "search", description: "web" }]))).toBe(
        true,
      );
      const synced = await platformCard(client);
      expect(synced).toMatchObject({
        name: "talker",
        url: registered?.url,
        capabilities: { streaming: true },
        skills: [{ id: "search", name: "search", description: "web", tags: ["tool"] }],
      });
      expect(client.registeredCard).toEqual(synced);
      expect((await client.fetchTranscript()).lines).toHaveLength(1);

      await client.updateAgentCard({ name: "talker", description: "now with a description" });
      expect(await platformCard(client)).toMatchObject({
        url: registered?.url,
        description: "now with a description",
        skills: [{ id: "search" }],
      });
      expect((await client.fetchTranscript()).supported).toBe(true);

      // Replacing on purpose drops the url: the platform's transcript route no longer finds it.
      await client.updateAgentCard({ name: "bare" }, { replace: true });
      expect(await platformCard(client)).toEqual({ name: "bare" });
      expect(client.registeredCard).toEqual({ name: "bare" });
      await expect(client.fetchTranscript()).rejects.toMatchObject({ status: 404 });
    });
  }

  it("the registered card is a copy; a client that registered nothing sends the card as given", async () => {
    const { emu, client } = await transcriptAgent("latest");
    const copy = client.registeredCard as Record<string, unknown>;
    copy["url"] = "http://elsewhere.example/";
    expect(client.registeredCard?.url).not.toBe("http://elsewhere.example/");

    const other = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: client.workspaceId,
      token: (await client.createToken()).token,
    });
    cleanups.push(() => other.close());
    expect(other.registeredCard).toBeUndefined();
    await other.updateAgentCard({ name: "from another process" });
    expect(await platformCard(client)).toEqual({ name: "from another process" });
    expect(other.registeredCard).toEqual({ name: "from another process" });
  });
});
