// The org the conformance tests run in, over real HTTP: the platform emulator, a registered caller
// workspace, peers that are real A2A servers registered with the platform, and the NestJS module
// of the caller.
import { PlatformClient } from "@molecule-ai/agent-core";
import type { AgentCard } from "@molecule-ai/agent-core";
import { startA2AServer } from "@molecule-ai/agent-core/a2a";
import type { A2AServer } from "@molecule-ai/agent-core/a2a";
import { MoleculeAgentModule } from "@molecule-ai/nestjs";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { Test } from "@nestjs/testing";
import type { TestingModule } from "@nestjs/testing";

/** A peer to add: its name and card, and how it answers (or a URL where nothing listens). */
export interface PeerSpec {
  name: string;
  role?: string;
  card?: Partial<AgentCard>;
  /** Answers the text of each message; default "ok". */
  answer?: (text: string) => Promise<string> | string;
  /** Register this URL instead of starting a server (e.g. one where nothing listens). */
  url?: string;
}

/** See {@link startOrg}. */
export interface Org {
  emu: Emulator;
  caller: PlatformClient;
  callerToken: string;
  /** Peer key → workspace id (`concierge`: the Org Concierge the org's workspaces nest under). */
  ids: Record<string, string>;
  /** Adds a peer under `key`. */
  peer(key: string, spec: PeerSpec): Promise<void>;
  /** The caller's NestJS module (peer delivery off), initialised; closed with the org. */
  nest(): Promise<TestingModule>;
  close(): Promise<void>;
}

/** Starts the emulator and registers a caller workspace. */
export async function startOrg(): Promise<Org> {
  const emu = await startEmulator();
  const self = await emu.admin.createWorkspace({ name: "caller" });
  const callerToken = self.token!;
  const caller = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: self.id,
    token: callerToken,
  });
  await caller.register({ agentCard: { name: "caller" } });
  const servers: A2AServer[] = [];
  const clients: PlatformClient[] = [];
  const modules: TestingModule[] = [];
  const ids: Record<string, string> = {};
  // On the August-2026 platform a workspace created without a parent nests under the seeded Org
  // Concierge (offline, no URL), which is then among every peer list: key "concierge".
  const parentId = (await caller.getWorkspace(self.id)).parent_id;
  if (parentId) ids["concierge"] = parentId;
  return {
    emu,
    caller,
    callerToken,
    ids,
    async peer(key, { name, role, card, answer = () => "ok", url }) {
      const ws = await emu.admin.createWorkspace({ name, ...(role ? { role } : {}) });
      ids[key] = ws.id;
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      clients.push(client);
      let endpoint = url;
      if (endpoint === undefined) {
        const server = await startA2AServer({
          agentCard: { name },
          onMessage: (message) =>
            answer(message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")),
        });
        servers.push(server);
        endpoint = server.url;
      }
      await client.register({ url: endpoint, agentCard: { name, ...card } });
    },
    async nest() {
      const moduleRef = await Test.createTestingModule({
        imports: [
          MoleculeAgentModule.forRoot({
            platformUrl: emu.url,
            workspaceId: self.id,
            token: callerToken,
            delivery: "off",
            heartbeatIntervalMs: 60_000,
          }),
        ],
      }).compile();
      modules.push(moduleRef);
      await moduleRef.init();
      return moduleRef;
    },
    async close() {
      await Promise.all(modules.map((m) => m.close()));
      await Promise.all(servers.map((s) => s.close()));
      await Promise.all([caller, ...clients].map((c) => c.close()));
      await emu.close();
    },
  };
}
