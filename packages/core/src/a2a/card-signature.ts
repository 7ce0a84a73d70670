// Agent card signatures (A2A v1.0 §8.4): JWS (RFC 7515) with a detached payload, the card's
// canonical form (card-canonical.ts), signed and verified with Web Crypto only, so the edge build
// signs too and no dependency is added. The protected header names the key: `kid`, and `jku`
// (where its JWKS is published) when known. Interoperable with @a2a-js/sdk's
// `generateAgentCardSignature` / `verifyAgentCardSignature` in both directions.
import { MoleculeError, MoleculeOptionError } from "../transport/index.js";
import { canonicalCard } from "./card-canonical.js";

/** The JWS algorithms cards are signed and verified with (`Ed25519` is RFC 9864's name for EdDSA). */
export type CardSignatureAlgorithm =
  | "ES256"
  | "ES384"
  | "ES512"
  | "RS256"
  | "PS256"
  | "EdDSA"
  | "Ed25519";

/** One signature of a card (`AgentCard.signatures[]`). */
export interface AgentCardSignature {
  /** The base64url JWS protected header (`alg`, `typ`, `kid`, `jku`). */
  protected: string;
  /** The base64url signature. */
  signature: string;
  /** Unprotected header parameters, if any. */
  header?: Record<string, unknown>;
}

/** How an agent signs the card it serves (`createA2AHandler({ cardSigning })`). */
export interface CardSigningOptions {
  /** The private key: a Web Crypto `CryptoKey` (with `sign` usage) or a private JWK. */
  privateKey: CryptoKey | JsonWebKey;
  /** The key's id, written as `kid`: verifiers look the public key up by it. */
  keyId: string;
  /**
   * Where verifiers find the public key (a JWKS URL), written as `jku`. Default: when
   * `publicKey` is given, the JWKS the endpoint itself serves at
   * `<endpoint>/.well-known/jwks.json`; else none.
   */
  jwksUrl?: string;
  /** The public key as a JWK: served in the endpoint's JWKS (see `jwksUrl`). */
  publicKey?: JsonWebKey;
  /** The JWS algorithm; default from the key (P-256: ES256, Ed25519: EdDSA, RSA: RS256, ...). */
  algorithm?: CardSignatureAlgorithm;
}

/** The protected header of a verified signature: which key signed the card. */
export interface VerifiedCardSignature {
  alg: string;
  kid: string;
  jku?: string;
}

/**
 * Finds the public key of a signature from its protected header (e.g. from a trusted key store,
 * or a JWKS fetched from a `jku` you trust); `undefined` when it does not know it.
 */
export type CardKeyResolver = (
  header: VerifiedCardSignature,
) => CryptoKey | JsonWebKey | undefined | Promise<CryptoKey | JsonWebKey | undefined>;

type Params = AlgorithmIdentifier | RsaPssParams | EcdsaParams;
type Imported = RsaHashedImportParams | EcKeyImportParams | Algorithm;

const ALGORITHMS: Record<CardSignatureAlgorithm, { sign: Params; key: Imported }> = {
  ES256: { sign: { name: "ECDSA", hash: "SHA-256" }, key: { name: "ECDSA", namedCurve: "P-256" } },
  ES384: { sign: { name: "ECDSA", hash: "SHA-384" }, key: { name: "ECDSA", namedCurve: "P-384" } },
  ES512: { sign: { name: "ECDSA", hash: "SHA-512" }, key: { name: "ECDSA", namedCurve: "P-521" } },
  RS256: {
    sign: { name: "RSASSA-PKCS1-v1_5" },
    key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  },
  PS256: { sign: { name: "RSA-PSS", saltLength: 32 }, key: { name: "RSA-PSS", hash: "SHA-256" } },
  EdDSA: { sign: { name: "Ed25519" }, key: { name: "Ed25519" } },
  Ed25519: { sign: { name: "Ed25519" }, key: { name: "Ed25519" } },
};

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The algorithm a key signs with by default. */
function algorithmOf(key: CryptoKey | JsonWebKey): CardSignatureAlgorithm | undefined {
  const a =
    "algorithm" in key ? (key.algorithm as { name: string; namedCurve?: string }) : undefined;
  const jwk = key as JsonWebKey;
  const curve = a?.namedCurve ?? jwk.crv;
  if (a?.name === "ECDSA" || jwk.kty === "EC") {
    return curve === "P-384" ? "ES384" : curve === "P-521" ? "ES512" : "ES256";
  }
  if (a?.name === "Ed25519" || (jwk.kty === "OKP" && jwk.crv === "Ed25519")) return "EdDSA";
  if (a?.name === "RSA-PSS") return "PS256";
  if (a?.name === "RSASSA-PKCS1-v1_5" || jwk.kty === "RSA") return "RS256";
  return undefined;
}

async function cryptoKey(
  key: CryptoKey | JsonWebKey,
  alg: CardSignatureAlgorithm,
  use: "sign" | "verify",
): Promise<CryptoKey> {
  if ("algorithm" in key && "usages" in key) return key as CryptoKey;
  return await crypto.subtle.importKey("jwk", key as JsonWebKey, ALGORITHMS[alg].key, false, [use]);
}

/**
 * Returns a function that signs cards with `options` (the card's other signatures are replaced):
 * the card with `signatures: [{ protected, signature }]`. Throws a `MoleculeOptionError` on a
 * key it cannot use.
 */
export function cardSigner(
  options: CardSigningOptions,
  jwksUrl?: string,
): <T extends object>(card: T) => Promise<T & { signatures: AgentCardSignature[] }> {
  if (typeof options?.keyId !== "string" || options.keyId === "") {
    throw new MoleculeOptionError(
      "cardSigning.keyId",
      "cardSigning.keyId must be a non-empty string (the kid verifiers look the key up by).",
    );
  }
  const alg = options.algorithm ?? algorithmOf(options.privateKey ?? {});
  if (alg === undefined || ALGORITHMS[alg] === undefined) {
    throw new MoleculeOptionError(
      "cardSigning.algorithm",
      "cardSigning needs an ECDSA (P-256/384/521), Ed25519 or RSA private key, or an algorithm: ES256, ES384, ES512, RS256, PS256 or EdDSA.",
    );
  }
  const header: Record<string, string> = { alg, typ: "JOSE", kid: options.keyId };
  const jku = options.jwksUrl ?? jwksUrl;
  if (jku !== undefined) header["jku"] = jku;
  const protectedHeader = base64url(encoder.encode(JSON.stringify(header)));
  let key: Promise<CryptoKey> | undefined;
  return async (card) => {
    key ??= cryptoKey(options.privateKey, alg, "sign");
    const payload = base64url(encoder.encode(canonicalCard(card)));
    const input = encoder.encode(`${protectedHeader}.${payload}`);
    const sig = await crypto.subtle.sign(ALGORITHMS[alg].sign, await key, input);
    const signature = base64url(new Uint8Array(sig));
    return { ...card, signatures: [{ protected: protectedHeader, signature }] };
  };
}

function invalid(message: string, cause?: unknown): MoleculeError {
  return new MoleculeError(message, { code: "card_signature_invalid", retryable: false, cause });
}

/**
 * Verifies a peer's signed agent card: resolves at least one signature's key with `resolveKey`
 * and checks the signature over the card's canonical form (A2A v1.0 §8.4.3, as @a2a-js/sdk signs
 * it). Resolves with the header of the signature that verified; rejects with a `MoleculeError`
 * (`card_signature_invalid`) when the card is unsigned, no signature verifies (a tampered card),
 * or the card's v0.3 `url` or `additionalInterfaces` point somewhere its signed
 * `supportedInterfaces` do not (those fields are outside the signed form).
 */
export async function verifyAgentCard(
  card: unknown,
  resolveKey: CardKeyResolver,
): Promise<VerifiedCardSignature> {
  const c = (typeof card === "object" && card !== null ? card : {}) as Record<string, unknown>;
  const signatures = Array.isArray(c["signatures"]) ? c["signatures"] : [];
  if (signatures.length === 0) throw invalid("the agent card is not signed (it has no signatures)");
  const signed = new Set(
    (Array.isArray(c["supportedInterfaces"]) ? c["supportedInterfaces"] : []).map(
      (i) => (i as { url?: unknown })?.url,
    ),
  );
  const v03 = [
    c["url"],
    ...(Array.isArray(c["additionalInterfaces"]) ? c["additionalInterfaces"] : []).map(
      (i) => (i as { url?: unknown })?.url,
    ),
  ];
  const unsigned = v03.find((u) => u !== undefined && !signed.has(u));
  if (unsigned !== undefined) {
    throw invalid(
      `the agent card's v0.3 URL ${JSON.stringify(String(unsigned).slice(0, 200))} is not among its signed supportedInterfaces`,
    );
  }
  const payload = base64url(encoder.encode(canonicalCard(card)));
  let last: unknown;
  for (const s of signatures as Partial<AgentCardSignature>[]) {
    try {
      if (typeof s?.protected !== "string" || typeof s.signature !== "string") continue;
      const header = JSON.parse(new TextDecoder().decode(fromBase64url(s.protected))) as Record<
        string,
        unknown
      >;
      const alg = header["alg"] as CardSignatureAlgorithm;
      if (typeof header["kid"] !== "string" || ALGORITHMS[alg] === undefined) continue;
      const found: VerifiedCardSignature = { alg, kid: header["kid"] };
      if (typeof header["jku"] === "string") found.jku = header["jku"];
      const raw = await resolveKey(found);
      if (raw === undefined) continue;
      const key = await cryptoKey(raw, alg, "verify");
      const ok = await crypto.subtle.verify(
        ALGORITHMS[alg].sign,
        key,
        fromBase64url(s.signature),
        encoder.encode(`${s.protected}.${payload}`),
      );
      if (ok) return found;
    } catch (err) {
      last = err;
    }
  }
  throw invalid(
    "no signature of the agent card verifies with a known key (the card was changed after it was signed, or its key is not trusted)",
    last,
  );
}
