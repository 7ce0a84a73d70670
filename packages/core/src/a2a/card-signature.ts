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
 * What {@link verifyAgentCard} resolves with: the protected header of the signature that verified,
 * and what of the card that signature does not cover.
 */
export interface VerifiedAgentCard extends VerifiedCardSignature {
  /**
   * Names of `securitySchemes` entries in the v0.3 form (`type`, `flows`, `tokenUrl`...): that
   * form is outside the signed canonical form (as in @a2a-js/sdk), so anyone who can change the
   * card can change them (e.g. point an OAuth `tokenUrl` elsewhere) without breaking the
   * signature. Present only when there are such entries; do not send credentials on their word.
   * Entries in the v1.0 form (`oauth2SecurityScheme`, ...) are signed.
   */
  unsignedSecuritySchemes?: string[];
}

/**
 * Header parameters RFC 7515 (§4.1) and RFC 7518 define for JWS: never allowed in `crit`
 * (RFC 7515 §4.1.11).
 */
const REGISTERED_HEADER = new Set([
  "alg",
  "jku",
  "jwk",
  "kid",
  "x5u",
  "x5c",
  "x5t",
  "x5t#S256",
  "typ",
  "cty",
  "crit",
]);

/**
 * Why a signature's headers cannot be accepted, or `undefined`. RFC 7515 §4.1.11: `crit` must be
 * protected, a non-empty list of distinct names of extension parameters present in the header, and
 * a recipient rejects the JWS when it does not understand and process every one; this verifier
 * processes no extension parameter, so any well-formed `crit` is refused as not understood (a
 * signature marking `exp` critical is never accepted with its `exp` unchecked). §7.2.1: the
 * protected and unprotected headers share no name.
 */
function headerProblem(header: Record<string, unknown>, unprotected: unknown): string | undefined {
  const open =
    typeof unprotected === "object" && unprotected !== null
      ? (unprotected as Record<string, unknown>)
      : {};
  if ("crit" in open) return "its unprotected header carries crit (crit must be protected)";
  const shared = Object.keys(open).find((k) => k in header);
  if (shared !== undefined) {
    return `its protected and unprotected headers both carry ${JSON.stringify(shared.slice(0, 64))}`;
  }
  if (!("crit" in header)) return undefined;
  const crit = header["crit"];
  if (!Array.isArray(crit) || crit.length === 0) {
    return "its crit is not a non-empty list of header parameter names (RFC 7515 §4.1.11)";
  }
  const seen = new Set<string>();
  for (const name of crit as unknown[]) {
    if (typeof name !== "string" || name === "") {
      return "its crit holds something other than a header parameter name";
    }
    const said = JSON.stringify(name.slice(0, 64));
    if (seen.has(name)) return `its crit names ${said} twice`;
    seen.add(name);
    if (REGISTERED_HEADER.has(name)) {
      return `its crit names ${said}, a parameter RFC 7515 defines (never allowed in crit)`;
    }
    if (!(name in header)) return `its crit names ${said}, which its protected header lacks`;
  }
  return `its crit marks ${[...seen]
    .slice(0, 5)
    .map((n) => JSON.stringify(n.slice(0, 64)))
    .join(
      ", ",
    )} critical, which this verifier does not understand or process (RFC 7515 §4.1.11: refused)`;
}

/** Names of the card's `securitySchemes` entries in the v0.3 form (outside the signed form). */
function v03SecuritySchemes(schemes: unknown): string[] {
  if (typeof schemes !== "object" || schemes === null || Array.isArray(schemes)) return [];
  return Object.entries(schemes as Record<string, unknown>)
    .filter(([, s]) => typeof s === "object" && s !== null && "type" in s)
    .map(([name]) => name);
}

/**
 * Verifies a peer's signed agent card: resolves at least one signature's key with `resolveKey`
 * and checks the signature over the card's canonical form (A2A v1.0 §8.4.3, as @a2a-js/sdk signs
 * it). Resolves with the header of the signature that verified; rejects with a `MoleculeError`
 * (`card_signature_invalid`) when the card is unsigned, no signature verifies (a tampered card),
 * a signature's header is not acceptable (a `crit` it does not process, malformed or unprotected
 * `crit`, a name in both headers: RFC 7515 §4.1.11, §7.2.1), or the card's v0.3 `url` or
 * `additionalInterfaces` point somewhere its signed `supportedInterfaces` do not (those fields
 * are outside the signed form). v0.3-form `securitySchemes` are outside the signed form too and
 * cannot be checked against it: they are named in `unsignedSecuritySchemes` of the result.
 */
export async function verifyAgentCard(
  card: unknown,
  resolveKey: CardKeyResolver,
): Promise<VerifiedAgentCard> {
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
  const refused: string[] = [];
  for (const [n, s] of (signatures as Partial<AgentCardSignature>[]).entries()) {
    try {
      if (typeof s?.protected !== "string" || typeof s.signature !== "string") continue;
      const header = JSON.parse(new TextDecoder().decode(fromBase64url(s.protected))) as Record<
        string,
        unknown
      >;
      if (typeof header !== "object" || header === null) continue;
      const problem = headerProblem(header, s.header);
      if (problem !== undefined) {
        refused.push(`signature ${n + 1}: ${problem}`);
        continue;
      }
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
      if (!ok) continue;
      const loose = v03SecuritySchemes(c["securitySchemes"]);
      return loose.length > 0 ? { ...found, unsignedSecuritySchemes: loose } : found;
    } catch (err) {
      last = err;
    }
  }
  if (refused.length > 0) {
    throw invalid(
      `no signature of the agent card is acceptable: ${refused.slice(0, 3).join("; ")}; the card's signer must sign without them`,
      last,
    );
  }
  throw invalid(
    "no signature of the agent card verifies with a known key (the card was changed after it was signed, or its key is not trusted)",
    last,
  );
}
