// The token never reaches an error, whatever the platform answers: every method of PlatformClient
// and AdminClient is driven against a hostile platform whose bodies echo the caller's
// Authorization header (unparsable 2xx, 4xx, 5xx; JSON and text), and each error is scanned in its
// message, stack, cause chain, util.inspect (depth 10) and JSON.stringify.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import { forgetRateBuckets, platformSecond } from "../src/transport/rate-budget.js";
import { PlatformClient, type InboundMessage } from "../src/index.js";

const TOKEN = `tok_${randomBytes(32).toString("base64url")}`;
const ADMIN = `adm_${randomBytes(32).toString("base64url")}`;
const WS = "11111111-1111-4111-8111-111111111111";
const PEER = "22222222-2222-4222-8222-222222222222";

/** What the hostile platform answers: a status and a body built from the Authorization header. */
interface Answer {
  name: string;
  status: number;
  type: string;
  body(auth: string): string;
}

const echo = (auth: string) => `caller sent ${auth} (Authorization: ${auth})`;
const ANSWERS: Answer[] = [
  { name: "2xx text", status: 200, type: "text/plain", body: (a) => echo(a) },
  { name: "2xx html", status: 200, type: "text/html", body: (a) => `<p>${echo(a)}</p>` },
  {
    name: "2xx JSON string",
    status: 200,
    type: "application/json",
    body: (a) => JSON.stringify(echo(a)),
  },
  {
    name: "2xx JSON of the wrong shape",
    status: 200,
    type: "application/json",
    body: (a) =>
      JSON.stringify({ id: 7, status: [a], items: a, tokens: a, nested: { deep: [{ echo: a }] } }),
  },
  ...[400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504].flatMap((status) => [
    {
      name: `${status} JSON`,
      status,
      type: "application/json",
      body: (a: string) =>
        JSON.stringify({
          error: echo(a),
          message: echo(a),
          hint: a,
          nested: { deep: [{ echo: a }] },
        }),
    },
    { name: `${status} text`, status, type: "text/plain", body: (a: string) => echo(a) },
  ]),
];

let answer: Answer = ANSWERS[0]!;
/** Whether the capability probe (since_id = zero) gets the hostile answer too. */
let hostileProbe = false;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  const auth = String(req.headers.authorization ?? "none");
  const url = new URL(req.url ?? "/", "http://x");
  if (
    !hostileProbe &&
    url.searchParams.get("since_id") === "00000000-0000-0000-0000-000000000000"
  ) {
    res.writeHead(410, { "content-type": "application/json" }).end('{"error":"gone"}');
    return;
  }
  res.writeHead(answer.status, { "content-type": answer.type, "retry-after": "0" });
  res.end(answer.body(auth));
});
let base = "";
beforeAll(async () => {
  // Every hostile 429 is read as the platform's rate limit (sent again up to 5 times after the
  // wait it names: at least one platform second); what is scanned here is text, not timing.
  platformSecond.ms = 2;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  platformSecond.ms = 1_000;
  forgetRateBuckets();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const inbound: InboundMessage = {
  activityId: "33333333-3333-4333-8333-333333333333",
  messageId: "m-1",
  method: "message/send",
  params: {},
  source: "peer_agent",
  sourceId: PEER,
  text: "hi",
  parts: [{ kind: "text", text: "hi" }],
  receivedAt: new Date(),
  isReply: false,
  raw: {},
};

type Call<C> = (c: C) => Promise<unknown>;
const CLIENT_CALLS: Record<string, Call<PlatformClient>> = {
  register: (c) => c.register({ url: "http://localhost:9/a2a", agentCard: { name: "a" } }),
  heartbeat: (c) => c.heartbeat({ activeTasks: 0 }),
  updateAgentCard: (c) => c.updateAgentCard({ name: "a" }),
  getState: (c) => c.getState(),
  pullSecrets: (c) => c.pullSecrets(),
  getWorkspace: (c) => c.getWorkspace(),
  listPeers: (c) => c.listPeers(),
  discoverPeer: (c) => c.discoverPeer(PEER),
  callPeer: (c) => c.callPeer(PEER, "hello", { timeoutMs: 5_000 }),
  // Its handle's calls go to the platform's proxy like callPeer's.
  peerTasks: (c) => c.peerTasks(PEER, { timeoutMs: 5_000 }).get("task-1"),
  delegate: (c) => c.delegate(PEER, "a task"),
  getQueuedCall: (c) => c.getQueuedCall("44444444-4444-4444-8444-444444444444"),
  fetchActivityRows: (c) => c.fetchActivityRows({ sinceId: inbound.activityId }),
  ackActivity: (c) => c.ackActivity(7),
  reply: (c) => c.reply(inbound, "answer"),
  notify: (c) => c.notify("note"),
  reportActivity: (c) => c.reportActivity({ activityType: "error", summary: "dead letter" }),
  capabilities: async (c) => {
    hostileProbe = true;
    try {
      return await c.capabilities();
    } finally {
      hostileProbe = false;
    }
  },
  openEventStream: async (c) => (await c.openEventStream()).close(),
  listTokens: (c) => c.listTokens(),
  createToken: (c) => c.createToken(),
  revokeToken: (c) => c.revokeToken("44444444-4444-4444-8444-444444444444"),
  rotateToken: (c) => c.rotateToken(),
  downloadPlugin: async (c) => {
    const { body } = await c.downloadPlugin("demo");
    body.on("error", () => undefined).destroy();
  },
  recordPluginInstall: (c) => c.recordPluginInstall("demo"),
  commitMemory: (c) => c.commitMemory({ content: "note", scope: "TEAM" }),
  searchMemories: (c) => c.searchMemories({ scope: "GLOBAL", q: "x" }),
  deleteMemory: (c) => c.deleteMemory("44444444-4444-4444-8444-444444444444"),
  createApproval: (c) => c.createApproval({ action: "deploy" }),
  listApprovals: (c) => c.listApprovals(),
  decideApproval: (c) => c.decideApproval("44444444-4444-4444-8444-444444444444", "approved"),
  searchSession: (c) => c.searchSession({ q: "x" }),
  listTraces: (c) => c.listTraces(),
  fetchTranscript: (c) => c.fetchTranscript(),
  recordDelegation: (c) => c.recordDelegation({ targetId: PEER, task: "t" }),
  updateDelegation: (c) => c.updateDelegation("d-1", { status: "failed", error: "e" }),
  listDelegations: (c) => c.listDelegations(),
};
/** Methods that make no request (nothing to answer) or only release resources. */
const NO_IO = ["close", "invalidatePeer", "isOwnToken", "pushPathSecret", "toJSON"];

const ADMIN_CALLS: Record<string, Call<AdminClient>> = {
  createExternalWorkspace: (c) => c.createExternalWorkspace({ name: "w" }),
  deleteWorkspace: (c) => c.deleteWorkspace(WS, { confirm: true }),
  pause: (c) => c.pause(WS),
  resume: (c) => c.resume(WS),
  setSecrets: (c) => c.setSecrets(WS, { KEY: "value" }),
  getWorkspace: (c) => c.getWorkspace(WS),
  listPendingApprovals: (c) => c.listPendingApprovals(),
  decideApproval: (c) => c.decideApproval(WS, "44444444-4444-4444-8444-444444444444", "denied"),
  rotateExternalCredentials: (c) => c.rotateExternalCredentials(WS),
  getExternalConnection: (c) => c.getExternalConnection(WS),
  restartWorkspace: (c) => c.restartWorkspace(WS),
};

/** Every string a developer could see of `err`. */
function views(err: unknown): string[] {
  const out = [inspect(err, { depth: 10 }), safeJson(err)];
  for (let e: unknown = err, i = 0; e && typeof e === "object" && i < 10; i++) {
    const x = e as { message?: unknown; stack?: unknown; cause?: unknown };
    out.push(String(x.message), String(x.stack), safeJson(x));
    e = x.cause;
  }
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "";
  } catch (err) {
    return `unserialisable: ${String(err)}`;
  }
}

function publicMethods(proto: object): string[] {
  return Object.getOwnPropertyNames(proto).filter(
    (n) =>
      n !== "constructor" && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === "function",
  );
}

async function scan<C>(make: () => C, calls: Record<string, Call<C>>, secret: string) {
  const leaks: string[] = [];
  let errors = 0;
  for (const [method, call] of Object.entries(calls)) {
    for (const a of ANSWERS) {
      answer = a;
      const client = make();
      const err = await call(client).then(
        () => undefined,
        (e: unknown) => e,
      );
      await (client as { close(): Promise<void> | void }).close();
      if (err === undefined) continue; // the hostile body happened to be acceptable
      errors++;
      for (const text of views(err)) {
        // The whole secret, or any 12-character piece of it.
        for (let i = 0; i + 12 <= secret.length; i += 6) {
          if (text.includes(secret.slice(i, i + 12))) {
            leaks.push(`${method} × ${a.name}: ${text.slice(0, 300)}`);
            break;
          }
        }
      }
    }
  }
  return { leaks: [...new Set(leaks)], errors };
}

describe("no token in any error", () => {
  it("the test covers every PlatformClient method", () => {
    expect(publicMethods(PlatformClient.prototype).sort()).toEqual(
      [...Object.keys(CLIENT_CALLS), ...NO_IO].sort(),
    );
    expect(publicMethods(AdminClient.prototype).sort()).toEqual(
      [...Object.keys(ADMIN_CALLS), "close", "toJSON"].sort(),
    );
  });

  it("PlatformClient: every method, every hostile answer", async () => {
    const make = () => new PlatformClient({ platformUrl: base, workspaceId: WS, token: TOKEN });
    const { leaks, errors } = await scan(make, CLIENT_CALLS, TOKEN);
    expect(leaks).toEqual([]);
    // Most answers must have produced an error to scan (a run that scans nothing proves nothing).
    expect(errors).toBeGreaterThan(Object.keys(CLIENT_CALLS).length * ANSWERS.length * 0.6);
  }, 120_000);

  it("AdminClient: every method, every hostile answer", async () => {
    const make = () => new AdminClient({ platformUrl: base, adminToken: ADMIN });
    const { leaks, errors } = await scan(make, ADMIN_CALLS, ADMIN);
    expect(leaks).toEqual([]);
    expect(errors).toBeGreaterThan(Object.keys(ADMIN_CALLS).length * ANSWERS.length * 0.6);
  }, 60_000);
});
