// A card for each reader (issue 94), over real HTTP: a caller that says `A2A-Version: 1.0` gets the
// pure v1.0 card (exactly an a2a.proto `AgentCard`: @a2a-js/sdk's generated proto type keeps every
// field of it, where it drops every field of another message), any other caller the v0.3/v1.0
// hybrid (v0.3's `url`, `protocolVersion`, `preferredTransport`, `additionalInterfaces`, beside
// `supportedInterfaces`; v0.3's unread `stateTransitionHistory` no longer); both answers say
// `Vary: A2A-Version`. The extended card follows its method's version, and a signed card verifies
// in both forms. The official clients of both lines read theirs.
import { AgentCard as ProtoAgentCard, Role, SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { A2AClient as A2AClient03 } from "a2a-sdk-03/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildAgentCard,
  buildV1AgentCard,
  startA2AServer,
  verifyAgentCard,
  type A2AServer,
} from "../src/public/a2a.js";
import type { AgentCard } from "../src/index.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

/** An author's card with v1.0 extras and what a v0.3 author might add (security, a custom field). */
const AUTHORED: AgentCard = {
  name: "readers",
  description: "answers every reader",
  provider: { organization: "Acme", url: "https://acme.example.com" },
  documentationUrl: "https://acme.example.com/docs",
  iconUrl: "https://acme.example.com/icon.png",
  security: [{ bearer: [] }],
  x_custom: "kept in the hybrid only",
  capabilities: {
    extensions: [{ uri: "https://ext.example.com/geo/v1", description: "geo" }],
  },
  skills: [
    {
      id: "s",
      name: "Search",
      description: "searches",
      tags: ["t"],
      examples: ["find x"],
      inputModes: ["text/plain"],
      security: [{ bearer: [] }],
    },
  ],
};

let server: A2AServer;
let key: CryptoKeyPair;
let signed: A2AServer;

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: AUTHORED,
    streaming: true,
    extendedAgentCard: {
      authorize: (h) => h.get("authorization") === "Bearer ok",
      card: { ...AUTHORED, description: "more" },
    },
    onMessage: (m) => `got ${m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")}`,
  });
  key = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  signed = await startA2AServer({
    agentCard: AUTHORED,
    cardSigning: { privateKey: key.privateKey, keyId: "k1" },
    onMessage: () => "hi",
  });
});
afterAll(async () => {
  await server?.close();
  await signed?.close();
});

/** The signing key, trusted. */
const trust = (): CryptoKey => key.publicKey;

const get = (url: string, version?: string) =>
  fetch(url, { headers: version === undefined ? {} : { "a2a-version": version } });

/** `card` as the v1.0 proto type reads and writes it (unknown fields dropped; so are empty lists). */
const asProto = (card: Json): Json => ProtoAgentCard.toJSON(ProtoAgentCard.fromJSON(card)) as Json;
/** `value` without empty lists (proto JSON leaves them out). */
function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => [k, withoutEmptyLists(v)]),
  );
}

const V03_FIELDS = ["url", "protocolVersion", "preferredTransport", "additionalInterfaces"];

describe("the card each reader gets", () => {
  it("A2A-Version: 1.0 gets the pure v1.0 card: every field an AgentCard field", async () => {
    const res = await get(server.cardUrl, "1.0");
    expect(res.status).toBe(200);
    expect(res.headers.get("vary")).toBe("A2A-Version");
    const card = (await res.json()) as Json;
    expect(asProto(card)).toEqual(withoutEmptyLists(card));
    for (const f of [...V03_FIELDS, "supportsAuthenticatedExtendedCard", "security", "x_custom"]) {
      expect(card).not.toHaveProperty(f);
    }
    expect(card.skills[0]).not.toHaveProperty("security");
    expect(card.capabilities).toEqual({
      streaming: true,
      pushNotifications: true, // startA2AServer serves push configs by default
      extensions: [{ uri: "https://ext.example.com/geo/v1", description: "geo" }],
      extendedAgentCard: true,
    });
    expect(card.supportedInterfaces.map((i: Json) => i.protocolBinding)).toEqual([
      "JSONRPC",
      "HTTP+JSON",
    ]);
    expect(card.provider).toEqual({ organization: "Acme", url: "https://acme.example.com" });
    // 1.0.x is 1.0 (§3.6: no patch number considered).
    expect(await (await get(server.cardUrl, "1.0.2")).json()).toEqual(card);
  });

  it("no A2A-Version, an empty one or 0.3 gets the hybrid, without stateTransitionHistory", async () => {
    const answers = await Promise.all([
      get(server.cardUrl),
      get(server.cardUrl, ""),
      get(server.cardUrl, "0.3"),
    ]);
    const cards = await Promise.all(answers.map((r) => r.json() as Promise<Json>));
    for (const r of answers) expect(r.headers.get("vary")).toBe("A2A-Version");
    expect(cards[1]).toEqual(cards[0]);
    expect(cards[2]).toEqual(cards[0]);
    const card = cards[0]!;
    expect(card).toMatchObject({
      url: server.url,
      protocolVersion: "0.3.0",
      preferredTransport: "JSONRPC",
      additionalInterfaces: [{ url: server.url, transport: "JSONRPC" }],
      supportsAuthenticatedExtendedCard: true,
      x_custom: "kept in the hybrid only",
    });
    expect(card.capabilities).not.toHaveProperty("stateTransitionHistory");
    // The v1.0 proto reading of the hybrid loses its v0.3 fields: it is not a pure v1.0 card.
    expect(asProto(card)).not.toEqual(withoutEmptyLists(card));
    // Each card has its own ETag.
    const pure = await get(server.cardUrl, "1.0");
    expect(pure.headers.get("etag")).not.toBe(answers[0]!.headers.get("etag"));
  });

  it("the pure card is the hybrid less its v0.3 fields (the builders agree)", () => {
    const options = { url: "https://agent.example.com/a2a", streaming: true };
    const hybrid = buildAgentCard(AUTHORED, options) as Json;
    const pure = buildV1AgentCard(AUTHORED, options) as Json;
    expect(pure.supportedInterfaces).toEqual(hybrid.supportedInterfaces);
    expect(pure.skills[0]).toEqual({
      id: "s",
      name: "Search",
      description: "searches",
      tags: ["t"],
      examples: ["find x"],
      inputModes: ["text/plain"],
    });
  });

  it("the extended card follows the method: v1.0's is pure, v0.3's the hybrid", async () => {
    const call = async (method: string, version?: string) => {
      const res = await fetch(server.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer ok",
          ...(version ? { "a2a-version": version } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: {} }),
      });
      return ((await res.json()) as Json).result as Json;
    };
    const v1 = await call("GetExtendedAgentCard", "1.0");
    expect(v1.description).toBe("more");
    expect(asProto(v1)).toEqual(withoutEmptyLists(v1));
    const v03 = await call("agent/getAuthenticatedExtendedCard");
    expect(v03).toMatchObject({ description: "more", protocolVersion: "0.3.0", url: server.url });
    const rest = await fetch(`${server.url}/extendedAgentCard`, {
      headers: { authorization: "Bearer ok", "a2a-version": "1.0" },
    });
    expect(await rest.json()).toEqual(v1);
  });

  it("a signed card verifies in both forms; each is signed for itself", async () => {
    const pure = (await (await get(signed.cardUrl, "1.0")).json()) as Json;
    const hybrid = (await (await get(signed.cardUrl)).json()) as Json;
    await expect(verifyAgentCard(pure, trust)).resolves.toMatchObject({ kid: "k1" });
    await expect(verifyAgentCard(hybrid, trust)).resolves.toMatchObject({ kid: "k1" });
    expect(asProto(pure)).toEqual(withoutEmptyLists(pure));
  });

  it("the official clients read theirs: @a2a-js/sdk 1.x (A2A-Version: 1.0) and 0.3", async () => {
    // It fetches the card with A2A-Version: 1.0 (the pure one) and picks its JSON-RPC interface.
    const v1 = await new ClientFactory().createFromUrl(server.cardUrl, "");
    const answer = await v1.sendMessage(
      SendMessageRequest.fromJSON({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "one" }] },
      }),
    );
    expect("role" in answer && answer.role).toBe(Role.ROLE_AGENT);
    const v03 = await A2AClient03.fromCardUrl(server.cardUrl);
    const sent = (await v03.sendMessage({
      message: {
        kind: "message",
        role: "user",
        messageId: crypto.randomUUID(),
        parts: [{ kind: "text", text: "zero-three" }],
      },
    })) as Json;
    expect(JSON.stringify(sent.result)).toContain("got zero-three");
  });
});
