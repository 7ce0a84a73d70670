// @OnApprovalEscalated() in a real Nest application against the emulator: a child workspace asks a
// person for approval, the parent app's decorated method hears it, and the parent's token cannot
// decide it (401).
import { Injectable, type INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { ExpressAdapter } from "@nestjs/platform-express";
import { PlatformClient, type AgentEventMap } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MoleculeAgentModule, OnApprovalEscalated } from "../src/index.js";

type Escalation = AgentEventMap["approvalEscalated"];
let heard: (e: Escalation) => void = () => undefined;

@Injectable()
class Escalations {
  @OnApprovalEscalated()
  notify(e: Escalation): void {
    heard(e);
  }
}

let emu: Emulator;
let app: INestApplication;
let parent: { id: string; token: string };

beforeAll(async () => {
  emu = await startEmulator();
  const p = await emu.admin.createWorkspace({ name: "nest-esc-parent" });
  parent = { id: p.id, token: p.token as string };
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: parent.id,
        token: parent.token,
        agentCard: { name: "nest-esc-parent" },
        delivery: "off",
      }),
    ],
    providers: [Escalations],
  }).compile();
  app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.init();
});

afterAll(async () => {
  await app?.close();
  await emu?.close();
});

it("an @OnApprovalEscalated() method hears a child's request; the parent cannot decide it", async () => {
  const c = await emu.admin.createWorkspace({ name: "nest-esc-child", parentId: parent.id });
  const child = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: c.id,
    token: c.token as string,
  });
  const got = new Promise<Escalation>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no escalation within 15 s")), 15_000);
    heard = (e) => {
      clearTimeout(t);
      resolve(e);
    };
  });
  const { approvalId } = await child.createApproval({ action: "rotate the keys" });
  expect(await got).toMatchObject({
    type: "approvalEscalated",
    workspaceId: parent.id,
    approvalId,
    fromWorkspaceId: c.id,
    action: "rotate the keys",
  });
  const asParent = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: c.id,
    token: parent.token,
  });
  await expect(asParent.decideApproval(approvalId, "approved")).rejects.toMatchObject({
    status: 401,
  });
  await asParent.close();
  await child.close();
});
