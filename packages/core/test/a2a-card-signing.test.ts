// Signed agent cards (issue #61): ours, signed with Web Crypto, verify with @a2a-js/sdk 1.3's own
// verifier (through its client, from the card it fetched) for ES256, EdDSA and RS256 keys; the
// protected header names the key (`kid`, and `jku`: the JWKS the endpoint serves, without private
// members); a card @a2a-js/sdk signed verifies with ours; a tampered card (any signed field, or an
// unsigned v0.3 URL pointing elsewhere) fails ours. The canonical form matches @a2a-js/sdk's on a
// card with every field. The extended card is signed too.
import {
  canonicalizeAgentCard,
  generateAgentCardSignature,
  verifyAgentCardSignature,
  AgentCard as ProtoAgentCard,
} from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { afterEach, describe, expect, it } from "vitest";
import {
  createA2AHandler,
  startA2AServer,
  verifyAgentCard,
  type A2AServer,
} from "../src/public/a2a.js";
import { canonicalCard } from "../src/a2a/card-canonical.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

const opened: A2AServer[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

const ALGS = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  EdDSA: { name: "Ed25519" },
  RS256: {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
} as const;

async function keys(
  alg: keyof typeof ALGS,
): Promise<{ privateKey: CryptoKey; publicJwk: JsonWebKey; publicKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(ALGS[alg], true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk: await crypto.subtle.exportKey("jwk", pair.publicKey),
  };
}

async function signedServer(alg: keyof typeof ALGS, extra: Json = {}) {
  const k = await keys(alg);
  const server = await startA2AServer({
    agentCard: {
      name: "signed",
      description: "a signed agent",
      skills: [{ id: "s", name: "S", description: "d", tags: ["t"], inputModes: ["text/plain"] }],
      capabilities: { extensions: [{ uri: "https://ext.example.com/geo/v1", description: "geo" }] },
      provider: { organization: "Acme", url: "https://acme.example.com" },
    },
    cardSigning: { privateKey: k.privateKey, keyId: `key-${alg}`, publicKey: k.publicJwk },
    onMessage: () => "hi",
    ...extra,
  });
  opened.push(server);
  return { server, k };
}

const header = (card: Json): Json =>
  JSON.parse(Buffer.from(card.signatures[0].protected, "base64url").toString("utf8"));

describe("our signed card", () => {
  it.each(["ES256", "EdDSA", "RS256"] as const)(
    "%s: verifies with @a2a-js/sdk's verifier, through its client, with the key its jku names",
    async (alg) => {
      const { server, k } = await signedServer(alg);
      const card = (await (await fetch(server.cardUrl)).json()) as Json;
      const h = header(card);
      expect(h).toEqual({
        alg,
        typ: "JOSE",
        kid: `key-${alg}`,
        jku: `${server.url}/.well-known/jwks.json`,
      });
      const jwks = (await (await fetch(h.jku)).json()) as { keys: Json[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kid: `key-${alg}`, use: "sig", kty: k.publicJwk.kty });
      expect(jwks.keys[0]!["d"]).toBeUndefined();
      const asked: Array<[string, string | undefined]> = [];
      const verify = verifyAgentCardSignature(async (kid, jku) => {
        asked.push([kid, jku]);
        const set = (await (await fetch(jku!)).json()) as { keys: Json[] };
        return set.keys.find((key) => key.kid === kid)!;
      });
      const client = await new ClientFactory().createFromUrl(server.cardUrl, "");
      await expect(client.getAgentCard(undefined, verify)).resolves.toBeDefined();
      expect(asked).toEqual([[`key-${alg}`, h.jku]]);
      // Ours agrees, from the card as served.
      await expect(verifyAgentCard(card, () => k.publicJwk)).resolves.toEqual({
        alg,
        kid: `key-${alg}`,
        jku: h.jku,
      });
    },
  );

  it("a tampered card fails: a signed field, a signed URL, or an unsigned v0.3 URL", async () => {
    const { server, k } = await signedServer("ES256");
    const card = (await (await fetch(server.cardUrl)).json()) as Json;
    const key = () => k.publicKey;
    await expect(verifyAgentCard(card, key)).resolves.toMatchObject({ kid: "key-ES256" });
    const tampered: Json[] = [
      { ...card, description: "a harmless agent" },
      { ...card, skills: [...card.skills, { id: "x", name: "x", description: "x", tags: [] }] },
      {
        ...card,
        supportedInterfaces: card.supportedInterfaces.map((i: Json) => ({
          ...i,
          url: "https://evil.example.com/",
        })),
      },
      { ...card, url: "https://evil.example.com/a2a" },
      {
        ...card,
        additionalInterfaces: [{ url: "https://evil.example.com/a2a", transport: "JSONRPC" }],
      },
      { ...card, signatures: [] },
    ];
    for (const t of tampered) {
      await expect(verifyAgentCard(t, key)).rejects.toMatchObject({
        code: "card_signature_invalid",
      });
    }
    // @a2a-js/sdk's verifier rejects a changed signed field too.
    const official = verifyAgentCardSignature(async () => k.publicKey);
    await expect(official(ProtoAgentCard.fromJSON(tampered[0]))).rejects.toThrow(
      /No valid signatures/,
    );
    // A key we do not trust is no key.
    await expect(verifyAgentCard(card, () => undefined)).rejects.toMatchObject({
      code: "card_signature_invalid",
    });
  });

  it("the extended card is signed the same way", async () => {
    const { server, k } = await signedServer("ES256", {
      extendedAgentCard: {
        authorize: (h: Headers) => h.get("authorization") === "Bearer ok",
        card: { name: "signed", description: "more", skills: [] },
      },
    });
    const res = await fetch(`${server.url}/extendedAgentCard`, {
      headers: { authorization: "Bearer ok" },
    });
    const card = (await res.json()) as Json;
    expect(card.description).toBe("more");
    await expect(verifyAgentCard(card, () => k.publicKey)).resolves.toMatchObject({
      kid: "key-ES256",
    });
  });

  it("needs publicUrl: a card is never signed for whatever Host a request names", async () => {
    const k = await keys("ES256");
    expect(() =>
      createA2AHandler({
        agentCard: { name: "x" },
        pathSecret: false,
        cardSigning: { privateKey: k.privateKey, keyId: "k" },
        onMessage: () => "",
      }),
    ).toThrow(expect.objectContaining({ code: "invalid_option", option: "cardSigning" }));
  });
});

describe("a peer's card signed by @a2a-js/sdk", () => {
  it("verifies with ours, and fails once tampered", async () => {
    const k = await keys("ES256");
    const card = ProtoAgentCard.fromJSON({
      name: "official",
      description: "signed by @a2a-js/sdk",
      version: "1.0.0",
      supportedInterfaces: [
        { url: "https://peer.example.com/a2a", protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ],
      capabilities: { streaming: true },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [{ id: "s", name: "S", description: "d", tags: ["t"] }],
    });
    const signed = await generateAgentCardSignature(k.privateKey, {
      alg: "ES256",
      kid: "peer-key",
      typ: "JOSE",
      jku: "https://peer.example.com/jwks.json",
    })(card);
    const json = ProtoAgentCard.toJSON(signed) as Json;
    await expect(verifyAgentCard(json, () => k.publicJwk)).resolves.toEqual({
      alg: "ES256",
      kid: "peer-key",
      jku: "https://peer.example.com/jwks.json",
    });
    await expect(
      verifyAgentCard({ ...json, name: "impostor" }, () => k.publicJwk),
    ).rejects.toMatchObject({ code: "card_signature_invalid" });
  });
});

describe("the canonical form", () => {
  it("is @a2a-js/sdk's on a card with every field (defaults, presence, empties, v0.3 extras)", () => {
    const card = {
      name: "everything",
      description: "",
      version: "2.0.0",
      url: "https://x.example.com/a2a",
      protocolVersion: "0.3.0",
      preferredTransport: "JSONRPC",
      supportedInterfaces: [
        {
          url: "https://x.example.com/a2a",
          protocolBinding: "JSONRPC",
          protocolVersion: "1.0",
          tenant: "",
        },
        { url: "https://x.example.com/a2a", protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      ],
      provider: { organization: "Acme", url: "" },
      documentationUrl: "",
      iconUrl: "https://x.example.com/icon.png",
      capabilities: {
        streaming: false,
        pushNotifications: true,
        stateTransitionHistory: false,
        extendedAgentCard: true,
        extensions: [
          {
            uri: "https://e.example.com/a/v1",
            required: false,
            params: { b: 2, a: [1, ""], c: {} },
          },
          { uri: "https://e.example.com/b/v1", description: "b", required: true },
        ],
      },
      securitySchemes: {
        bearer: { httpAuthSecurityScheme: { scheme: "Bearer", bearerFormat: "JWT" } },
        oauth: {
          oauth2SecurityScheme: {
            flows: {
              clientCredentials: { tokenUrl: "https://auth.example.com/t", scopes: { read: "r" } },
            },
          },
        },
        v03style: { type: "http", scheme: "bearer" },
      },
      securityRequirements: [{ schemes: { bearer: { list: [] }, oauth: { list: ["read"] } } }],
      defaultInputModes: ["text/plain", "application/json"],
      defaultOutputModes: [],
      skills: [
        {
          id: "s",
          name: "S",
          description: "d",
          tags: ["t"],
          examples: [],
          inputModes: ["text/plain"],
          securityRequirements: [{ schemes: { oauth: { list: ["read"] } } }],
          extra: "not in v1.0",
        },
      ],
      signatures: [{ protected: "x", signature: "y" }],
      somethingElse: { nested: true },
    };
    expect(canonicalCard(card)).toBe(canonicalizeAgentCard(card as never));
    expect(canonicalCard({ name: "n" })).toBe(canonicalizeAgentCard({ name: "n" } as never));
  });
});
