// Signed agent cards (issue #61): ours, signed with Web Crypto, verify with @a2a-js/sdk 1.3's own
// verifier (through its client, from the card it fetched) for ES256, EdDSA and RS256 keys; the
// protected header names the key (`kid`, and `jku`: the JWKS the endpoint serves, without private
// members); a card @a2a-js/sdk signed verifies with ours; a tampered card (any signed field, or an
// unsigned v0.3 URL pointing elsewhere) fails ours. The canonical form matches @a2a-js/sdk's on a
// card with every field. The extended card is signed too. Issue #69: a signature whose protected
// header marks a parameter critical (`crit`) is refused, as RFC 7515 §4.1.11 and @a2a-js/sdk do, and
// so is a malformed crit; a v0.3-form security scheme is outside the signed form in both verifiers,
// and ours names it in `unsignedSecuritySchemes`.
import {
  canonicalizeAgentCard,
  generateAgentCardSignature,
  verifyAgentCardSignature,
  AgentCard as ProtoAgentCard,
} from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createA2AHandler,
  startA2AServer,
  verifyAgentCard,
  type A2AServer,
} from "../src/public/a2a.js";
import { canonicalCard } from "../src/a2a/card-canonical.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

// @a2a-js/sdk's verifier logs each signature it refuses with console.debug.
beforeEach(() => void vi.spyOn(console, "debug").mockImplementation(() => {}));

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

/** A card signed by hand (ES256) with exactly `protectedHeader` (and `unprotected`, if any). */
async function signRaw(
  card: Json,
  protectedHeader: Json,
  privateKey: CryptoKey,
  unprotected?: Json,
): Promise<Json> {
  const prot = Buffer.from(JSON.stringify(protectedHeader)).toString("base64url");
  const payload = Buffer.from(canonicalCard(card)).toString("base64url");
  const sig = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    privateKey,
    new TextEncoder().encode(`${prot}.${payload}`),
  );
  const signature = Buffer.from(sig).toString("base64url");
  return {
    ...card,
    signatures: [{ protected: prot, signature, ...(unprotected ? { header: unprotected } : {}) }],
  };
}

const plainCard: Json = {
  name: "peer",
  description: "a peer",
  version: "1.0.0",
  supportedInterfaces: [
    { url: "https://peer.example.com/a2a", protocolBinding: "JSONRPC", protocolVersion: "1.0" },
  ],
  skills: [{ id: "s", name: "S", description: "d", tags: ["t"] }],
};
const base = { alg: "ES256", typ: "JOSE", kid: "peer-key" };

describe("a signature's crit (RFC 7515 §4.1.11)", () => {
  it("crit: [exp] with an exp of 2001 is refused, as @a2a-js/sdk refuses it", async () => {
    const k = await keys("ES256");
    const card = await signRaw(
      plainCard,
      { ...base, crit: ["exp"], exp: 978_307_200 },
      k.privateKey,
    );
    await expect(verifyAgentCard(card, () => k.publicJwk)).rejects.toMatchObject({
      code: "card_signature_invalid",
      message: expect.stringMatching(/crit marks "exp" critical.*does not understand/),
    });
    const official = verifyAgentCardSignature(async () => k.publicKey);
    await expect(official(card as never)).rejects.toThrow(/No valid signatures/);
    // The same signature without crit verifies: the crit is what is refused.
    const plain = await signRaw(plainCard, { ...base, exp: 978_307_200 }, k.privateKey);
    await expect(verifyAgentCard(plain, () => k.publicJwk)).resolves.toEqual({
      alg: "ES256",
      kid: "peer-key",
    });
  });

  it("a crit naming an extension this verifier does not process is refused", async () => {
    const k = await keys("ES256");
    const card = await signRaw(
      plainCard,
      { ...base, crit: ["x-policy"], "x-policy": "strict" },
      k.privateKey,
    );
    await expect(verifyAgentCard(card, () => k.publicJwk)).rejects.toMatchObject({
      code: "card_signature_invalid",
      message: expect.stringMatching(/"x-policy".*does not understand or process/),
    });
  });

  it("a malformed crit is refused: empty, not names, twice, registered, absent, unprotected", async () => {
    const k = await keys("ES256");
    const cases: Array<[Json, RegExp, Json?]> = [
      [{ ...base, crit: [] }, /not a non-empty list/],
      [{ ...base, crit: "exp", exp: 1 }, /not a non-empty list/],
      [{ ...base, crit: [7] }, /something other than a header parameter name/],
      [{ ...base, crit: [""] }, /something other than a header parameter name/],
      [{ ...base, crit: ["exp", "exp"], exp: 1 }, /names "exp" twice/],
      [{ ...base, crit: ["alg"] }, /names "alg", a parameter RFC 7515 defines/],
      [{ ...base, crit: ["kid"] }, /names "kid", a parameter RFC 7515 defines/],
      [{ ...base, crit: ["exp"] }, /names "exp", which its protected header lacks/],
      [base, /unprotected header carries crit/, { crit: ["exp"], exp: 1 }],
      [base, /both carry "kid"/, { kid: "other" }],
    ];
    for (const [h, reason, unprotected] of cases) {
      const card = await signRaw(plainCard, h, k.privateKey, unprotected);
      await expect(verifyAgentCard(card, () => k.publicJwk)).rejects.toMatchObject({
        code: "card_signature_invalid",
        message: expect.stringMatching(reason),
      });
    }
  });
});

describe("security schemes and the signature", () => {
  it("a v0.3-form scheme is outside the signed form (as in @a2a-js/sdk): verified, named unsigned", async () => {
    const k = await keys("ES256");
    const card: Json = {
      ...plainCard,
      securitySchemes: {
        signedOauth: {
          oauth2SecurityScheme: {
            flows: { clientCredentials: { tokenUrl: "https://auth.example.com/t", scopes: {} } },
          },
        },
        oauth: {
          type: "oauth2",
          flows: { clientCredentials: { tokenUrl: "https://auth.example.com/t", scopes: {} } },
        },
      },
    };
    const signed = await signRaw(card, base, k.privateKey);
    const evil = structuredClone(signed);
    evil.securitySchemes.oauth.flows.clientCredentials.tokenUrl = "https://evil.example.com/t";
    // Both verifiers accept the changed v0.3 token URL: it is not in the signed canonical form.
    expect(canonicalCard(evil)).toBe(canonicalCard(signed));
    const official = verifyAgentCardSignature(async () => k.publicKey);
    await expect(official(evil as never)).resolves.toBeUndefined();
    // Ours says so.
    await expect(verifyAgentCard(evil, () => k.publicJwk)).resolves.toEqual({
      alg: "ES256",
      kid: "peer-key",
      unsignedSecuritySchemes: ["oauth"],
    });
    // A v1.0-form scheme is signed: changing its token URL breaks the signature in both.
    const evil10 = structuredClone(signed);
    evil10.securitySchemes.signedOauth.oauth2SecurityScheme.flows.clientCredentials.tokenUrl =
      "https://evil.example.com/t";
    await expect(verifyAgentCard(evil10, () => k.publicJwk)).rejects.toMatchObject({
      code: "card_signature_invalid",
    });
    await expect(official(evil10 as never)).rejects.toThrow(/No valid signatures/);
  });
});
