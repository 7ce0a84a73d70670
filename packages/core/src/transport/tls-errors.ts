// TLS failures of a connection, classified once: what is wrong with the certificate the other side
// presented, its typed code and its fix. The platform's direct path (http.ts), its proxy path
// (proxy.ts), `requestPlatformUrl` (dispatchers.ts), the CLI's `doctor`, and the peer paths (a
// direct peer call, `RemoteA2AAgent`) all read this list. None is retried: a certificate does not
// fix itself between two attempts.
import { MoleculeError, MoleculePeerError } from "./errors.js";

/** The `code` of a {@link MoleculeError} for a TLS failure, one per cause and fix. */
export type TlsErrorCode =
  | "tls_untrusted"
  | "tls_self_signed"
  | "tls_hostname"
  | "tls_expired"
  | "tls_not_yet_valid"
  | "tls_failed";

const TLS_ERROR_CODES: ReadonlySet<string> = new Set<TlsErrorCode>([
  "tls_untrusted",
  "tls_self_signed",
  "tls_hostname",
  "tls_expired",
  "tls_not_yet_valid",
  "tls_failed",
]);

/** Who presented a certificate, as a TLS failure's fix names it. */
export interface TlsParty {
  /** Who it is, e.g. `the platform`. */
  readonly name: string;
  /** What holds its URL, e.g. `MOLECULE_PLATFORM_URL`. */
  readonly url: string;
}

/** The platform, reached at `MOLECULE_PLATFORM_URL`. */
const PLATFORM: TlsParty = { name: "the platform", url: "MOLECULE_PLATFORM_URL" };

/** What a TLS failure was and what to do: the words of its error and of `doctor`. */
export interface TlsProblem {
  /** The typed error code. */
  readonly code: TlsErrorCode;
  /** Node's (OpenSSL's) code, e.g. `CERT_HAS_EXPIRED`. */
  readonly reason: string;
  /** What the platform's side did, e.g. `presented a certificate that has expired`. */
  readonly problem: string;
  /** What to do. */
  readonly fix: string;
}

// Certificate verification results (OpenSSL's X509_V_ERR_*, as Node names them), by cause.
/** No trusted issuer: a private CA (its root sent by the server or not), or a re-made one. */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", // a server sending its leaf only, as most do
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN", // a server sending its chain up to a root this process lacks
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE", // a trusted CA of the same name did not sign it (a re-made CA)
]);
const SELF_SIGNED = new Set(["DEPTH_ZERO_SELF_SIGNED_CERT"]);
const HOSTNAME = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);
const EXPIRED = new Set(["CERT_HAS_EXPIRED"]);
const NOT_YET_VALID = new Set(["CERT_NOT_YET_VALID"]);
/** The other verification results: `tls_failed`, naming the code. */
const OTHER_CERT = new Set([
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CRL_SIGNATURE_FAILURE",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_REJECTED",
]);

/** Whether `code` is Node's code of a TLS failure (a handshake timeout is the network's). */
function isTlsCode(code: string): boolean {
  return (
    UNTRUSTED.has(code) ||
    SELF_SIGNED.has(code) ||
    HOSTNAME.has(code) ||
    EXPIRED.has(code) ||
    NOT_YET_VALID.has(code) ||
    OTHER_CERT.has(code) ||
    code.startsWith("ERR_SSL_") ||
    (code.startsWith("ERR_TLS_") && code !== "ERR_TLS_HANDSHAKE_TIMEOUT")
  );
}

/** The first error on `err` or its causes whose `code` is a TLS failure's. */
function tlsCause(err: unknown): { code: string; host?: unknown; cert?: unknown } | undefined {
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== null && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && isTlsCode(code))
      return e as { code: string; host?: unknown; cert?: unknown };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Most names of a certificate's subjectAltName shown; the rest are counted. */
const MAX_NAMES = 5;

/** The names a certificate is for (`DNS:a, IP Address:1.2.3.4` as Node gives them), shortened. */
function namesOf(cert: unknown): string | undefined {
  const san = (cert as { subjectaltname?: unknown } | undefined)?.subjectaltname;
  if (typeof san !== "string" || san === "") return undefined;
  const names = san.split(", ").map((n) => n.replace(/^(DNS|IP Address):/, ""));
  const shown = names.slice(0, MAX_NAMES).join(", ");
  return names.length > MAX_NAMES ? `${shown} and ${names.length - MAX_NAMES} more` : shown;
}

/** This machine's clock, for the words of a validity failure. */
function clock(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/**
 * The TLS failure `err` (or one of its causes) reports, classified, or `undefined` when it is not
 * one. `host`: the platform's host name, named when the certificate is for other names.
 */
export function tlsProblemOf(err: unknown, host?: string): TlsProblem | undefined {
  return problemOf(err, host, PLATFORM);
}

/** {@link tlsProblemOf} for a certificate `party` presented (its fix names it). */
function problemOf(
  err: unknown,
  host: string | undefined,
  party: TlsParty,
): TlsProblem | undefined {
  const cause = tlsCause(err);
  if (cause === undefined) return undefined;
  const reason = cause.code;
  if (UNTRUSTED.has(reason))
    return {
      code: "tls_untrusted",
      reason,
      problem: "presented a certificate this process does not trust",
      fix: "if a private CA signs it, set NODE_EXTRA_CA_CERTS to that CA's PEM file",
    };
  if (SELF_SIGNED.has(reason))
    return {
      code: "tls_self_signed",
      reason,
      problem: "presented a self-signed certificate",
      fix: `give ${party.name} a certificate a CA signs, or set NODE_EXTRA_CA_CERTS to this certificate's PEM file to trust it`,
    };
  if (HOSTNAME.has(reason)) {
    const name = typeof cause.host === "string" ? cause.host : host;
    const names = namesOf(cause.cert);
    return {
      code: "tls_hostname",
      reason,
      problem: `presented a certificate ${names ? `for ${names}, ` : "that is "}not for ${name ?? "its host name"}`,
      fix: `set ${party.url} to a host name the certificate names, or give ${party.name} a certificate for the host name you use`,
    };
  }
  if (EXPIRED.has(reason))
    return {
      code: "tls_expired",
      reason,
      problem: "presented a certificate that has expired",
      fix: `renew ${party.name}'s certificate, or if it is current set this machine's clock right (it reads ${clock()})`,
    };
  if (NOT_YET_VALID.has(reason))
    return {
      code: "tls_not_yet_valid",
      reason,
      problem: "presented a certificate that is not valid yet",
      fix: `set this machine's clock right (it reads ${clock()}), or give ${party.name} a certificate valid from now`,
    };
  return {
    code: "tls_failed",
    reason,
    problem: "failed the TLS handshake",
    fix: `check that ${party.url}'s scheme and port serve HTTPS, and ${party.name}'s certificate and TLS settings`,
  };
}

/** The host name of `url`, or `undefined` when it is not a URL. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** The one line of a TLS failure: who (`at`), the certificate's problem, Node's code, the fix. */
function tlsLine(at: string, p: TlsProblem): string {
  return `${at} ${p.problem} (${p.reason}): ${p.fix}`;
}

/**
 * The typed error of a request to `origin` that failed on TLS, or `undefined` when it did not: one
 * line naming the platform, the proxy it went through (`via`, without credentials), the
 * certificate's problem and the fix. Not retryable.
 */
export function tlsFailure(err: unknown, origin: string, via?: string): MoleculeError | undefined {
  const p = tlsProblemOf(err, hostOf(origin));
  if (p === undefined) return undefined;
  const at = `the platform at ${origin}${via ? ` (reached through ${via})` : ""}`;
  return new MoleculeError(tlsLine(at, p), { code: p.code, retryable: false, cause: err });
}

/**
 * The typed error of a request to a peer at `origin` that failed on TLS, or `undefined` when it
 * did not: the platform's codes and words, for the peer (`at`, e.g. `peer <id> at <origin>`, and
 * `party`, who its fix names). Not retryable.
 */
export function peerTlsFailure(
  err: unknown,
  peer: { peerId: string; at: string; origin: string; party: TlsParty },
): MoleculePeerError | undefined {
  const p = problemOf(err, hostOf(peer.origin), peer.party);
  if (p === undefined) return undefined;
  return new MoleculePeerError(tlsLine(peer.at, p), {
    peerId: peer.peerId,
    code: p.code,
    retryable: false,
    cause: err,
  });
}

/** Whether `code` is one of the {@link TlsErrorCode}s. */
export function isTlsErrorCode(code: unknown): code is TlsErrorCode {
  return typeof code === "string" && TLS_ERROR_CODES.has(code);
}
