// A peer behind TLS whose certificate fails (a private CA's leaf, a self-signed certificate, another
// host's, an expired one, one not valid yet), as the platform's connection names it
// (transport-tls.test.ts): `RemoteA2AAgent` finding its card (with and without cardUrl) and
// calling it after its certificate changed, and `callPeer(..., { via: "direct" })` against the
// emulator. Each is one line with the platform's TLS code, Node's code and the fix for a peer, not
// retryable (retrying cannot fix a certificate); a card fetch never hides it behind "no agent card
// found". Trusting the test CA (what NODE_EXTRA_CA_CERTS does) makes the valid front work.
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import {
  type BareA2AAgent,
  makeSelfSigned,
  makeTestCa,
  OTHER_HOST,
  startBareA2AAgent,
  type TestCa,
  type TestCert,
  TLS_FAILURES,
  type TlsFailureKind,
  tlsFront,
  type TlsFront,
} from "@internal/test-utils";
import { MoleculePeerError, PlatformClient } from "../src/index.js";
import { RemoteA2AAgent } from "../src/public/a2a.js";
import { a2aAgentPeer, runPeerTool } from "../src/peer-tools/index.js";

const KINDS = Object.keys(TLS_FAILURES) as TlsFailureKind[];
const savedCas = tls.getCACertificates("default");
const DAY = 86_400_000;

let ca: TestCa;
let certs: Record<TlsFailureKind, TestCert>;
let peer: BareA2AAgent;
let failing: Record<TlsFailureKind, TlsFront>;
const fronts: TlsFront[] = [];

beforeAll(async () => {
  ca = makeTestCa();
  const now = Date.now();
  certs = {
    untrusted: makeTestCa(), // its leaf: a private CA this process does not trust
    selfSigned: makeSelfSigned(),
    hostname: ca.issue({ hosts: [OTHER_HOST] }),
    expired: ca.issue({ notBefore: new Date(now - 2 * DAY), notAfter: new Date(now - DAY) }),
    notYetValid: ca.issue({ notBefore: new Date(now + DAY), notAfter: new Date(now + 2 * DAY) }),
  };
  // Each answer closes its connection: the next request opens one (a new handshake).
  peer = await startBareA2AAgent({ name: "tls-peer", answer: "pong", keepAlive: false });
  failing = Object.fromEntries(
    await Promise.all(KINDS.map(async (k) => [k, await front(certs[k])] as const)),
  ) as Record<TlsFailureKind, TlsFront>;
  tls.setDefaultCACertificates([...savedCas, ca.caPem]);
});
afterAll(async () => {
  tls.setDefaultCACertificates(savedCas);
  await Promise.all(fronts.map((f) => f.close()));
  await peer.close();
});

async function front(cert: TestCert): Promise<TlsFront> {
  const f = await tlsFront(peer.url, cert);
  fronts.push(f);
  return f;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const CLOCK = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

/** What presented the certificate, as the fix names it: who, and what holds its URL. */
interface Party {
  name: string;
  url: string;
}

/** The fix for `kind` (the platform's words, for `party`), as a pattern source. */
function fix(kind: TlsFailureKind, p: Party): string {
  const words: Record<TlsFailureKind, string> = {
    untrusted: "if a private CA signs it, set NODE_EXTRA_CA_CERTS to that CA's PEM file",
    selfSigned: `give ${p.name} a certificate a CA signs, or set NODE_EXTRA_CA_CERTS to this certificate's PEM file to trust it`,
    hostname: `set ${p.url} to a host name the certificate names, or give ${p.name} a certificate for the host name you use`,
    expired: `renew ${p.name}'s certificate, or if it is current set this machine's clock right (it reads CLOCK)`,
    notYetValid: `set this machine's clock right (it reads CLOCK), or give ${p.name} a certificate valid from now`,
  };
  return escape(words[kind]).replace("CLOCK", CLOCK);
}

/** The whole one-line message for `kind` at `at` (e.g. `the A2A agent at https://...`). */
function line(kind: TlsFailureKind, at: string, p: Party): RegExp {
  const f = TLS_FAILURES[kind];
  return new RegExp(`^${escape(`${at} ${f.problem} (${f.reason}): `)}${fix(kind, p)}$`);
}

async function failure(p: () => Promise<unknown>): Promise<Error> {
  return await p().then(
    () => new Error("no error"),
    (e: unknown) => e as Error,
  );
}

const AGENT_URL: Party = { name: "the agent", url: "RemoteA2AAgent's url" };
const AGENT_CARD_URL: Party = { name: "the agent", url: "RemoteA2AAgent's cardUrl" };

describe("RemoteA2AAgent to a peer whose certificate fails", { timeout: 30_000 }, () => {
  it("card discovery (url): the TLS failure, not 'no agent card found'", async () => {
    for (const kind of KINDS) {
      const f = failing[kind];
      const agent = new RemoteA2AAgent({ url: `${f.url}/rpc`, allowPrivateNetwork: true });
      const accepted = f.accepted.length;
      const err = await failure(() => agent.connect());
      await agent.close();
      expect(err).toBeInstanceOf(MoleculePeerError);
      expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
      expect(err.message).toMatch(line(kind, `the A2A agent at ${f.url}`, AGENT_URL));
      // One handshake: the other card locations are not tried against the same certificate.
      expect(f.accepted.length - accepted).toBe(1);
    }
  });

  it("card discovery (cardUrl): the TLS failure, not 'pass the card's exact URL'", async () => {
    for (const kind of KINDS) {
      const f = failing[kind];
      const cardUrl = `${f.url}/.well-known/agent-card.json`;
      const agent = new RemoteA2AAgent({ cardUrl, allowPrivateNetwork: true });
      const err = await failure(() => agent.send("ping"));
      await agent.close();
      expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
      expect(err.message).toMatch(line(kind, `the A2A agent at ${f.url}`, AGENT_CARD_URL));
      expect(err.message).not.toMatch(/cardUrl$|no agent card/);
    }
  });

  it("a call after the agent's certificate changed: the TLS failure, not peer_unreachable", async () => {
    for (const kind of KINDS) {
      const f = await front(ca); // valid: the card is read
      const agent = new RemoteA2AAgent({ url: `${f.url}/rpc`, allowPrivateNetwork: true });
      expect((await agent.send("ping")).text).toBe("pong");
      f.use(certs[kind]);
      const err = await failure(() => agent.send("ping"));
      await agent.close();
      expect(err).toBeInstanceOf(MoleculePeerError);
      expect(err).toMatchObject({ code: TLS_FAILURES[kind].code, retryable: false });
      expect(err.message).toMatch(line(kind, `the A2A agent at ${f.url}`, AGENT_URL));
    }
  });

  it("as a peer tool: the model is told the peer's certificate fails (the tool does not throw)", async () => {
    const f = failing.expired;
    const agent = new RemoteA2AAgent({ url: `${f.url}/rpc`, allowPrivateNetwork: true });
    const { client, peer: p } = a2aAgentPeer(agent);
    const outcome = await runPeerTool(client, p, { message: "ping" });
    await agent.close();
    expect(outcome).toMatchObject({
      ok: false,
      failure: { code: "tls_expired", retryable: false },
    });
    expect(outcome.ok || outcome.failure.error).toMatch(
      line("expired", `the A2A agent at ${f.url}`, AGENT_URL),
    );
  });

  it("a card that is not there keeps its cause and the URLs tried", async () => {
    const f = await front(ca);
    const agent = new RemoteA2AAgent({
      cardUrl: `${f.url}/nothing-here`,
      allowPrivateNetwork: true,
    });
    const down = `${f.url.replace(/:\d+$/, "")}:1`;
    const gone = new RemoteA2AAgent({ url: `${down}/rpc`, allowPrivateNetwork: true });
    const [missing, refused] = await Promise.all([
      failure(() => agent.connect()),
      failure(() => gone.connect()),
    ]);
    await Promise.all([agent.close(), gone.close()]);
    // The bare agent answers every other GET as a JSON-RPC call: no card there.
    expect(missing).toMatchObject({ code: "a2a_card_unavailable" });
    expect(missing.message).toBe(
      `no agent card found for the A2A agent at ${f.url} (tried /nothing-here: HTTP 200); check RemoteA2AAgent's cardUrl`,
    );
    expect(refused).toMatchObject({ code: "a2a_card_unavailable", retryable: true });
    expect(refused.message).toMatch(/\(tried \/.well-known\/agent-card.json: peer_unreachable/);
    expect(refused.message).toMatch(/; pass the card's exact URL as cardUrl$/);
    expect((refused as Error & { cause?: unknown }).cause).toMatchObject({
      code: "peer_unreachable",
    });
  });
});

describe("callPeer(..., { via: 'direct' }) to a peer whose certificate fails", () => {
  let emu: Emulator;
  let caller: PlatformClient;
  beforeAll(async () => {
    emu = await startEmulator({ lenientAgentUrls: true });
    const me = await emu.admin.createWorkspace({ name: "caller" });
    caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  });
  afterAll(async () => {
    await caller?.close();
    await emu?.close();
  });

  it("each is the platform's TLS code and fix for the peer, not retryable", async () => {
    const ok = await front(ca);
    const good = await emu.admin.createWorkspace({ name: "good", url: `${ok.url}/rpc` });
    const r = await caller.callPeer(good.id, "ping", { via: "direct" });
    expect(r.status === "completed" && r.text).toBe("pong");
    for (const kind of KINDS) {
      const f = failing[kind];
      const ws = await emu.admin.createWorkspace({ name: kind, url: `${f.url}/rpc` });
      const err = await failure(() => caller.callPeer(ws.id, "ping", { via: "direct" }));
      expect(err).toBeInstanceOf(MoleculePeerError);
      expect(err).toMatchObject({
        code: TLS_FAILURES[kind].code,
        retryable: false,
        peerId: ws.id,
      });
      const party = { name: "the peer", url: "the peer's registered URL" };
      expect(err.message).toMatch(line(kind, `peer ${ws.id} at ${f.url}`, party));
    }
  });
});
