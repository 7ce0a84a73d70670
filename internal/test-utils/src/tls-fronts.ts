// TLS fronts for the certificate failures a deployment meets, each in front of one plain HTTP
// server (the emulator): a private CA's leaf (the server sends only its own certificate, as most
// do), a self-signed certificate, a certificate for another host name, an expired one and one not
// valid yet, plus a valid one. The last three, and the valid one, are signed by `ca`, which the
// test trusts (NODE_EXTRA_CA_CERTS in a child, `tls.setDefaultCACertificates` in process), so the
// failure a client meets is the one named, not an unknown issuer.
import { makeSelfSigned, makeTestCa, type TestCa } from "./test-ca.js";
import { tlsFront, type TlsFront } from "./forward-proxy.js";

/** The failures a {@link TlsFronts} presents. */
export type TlsFailureKind = "untrusted" | "selfSigned" | "hostname" | "expired" | "notYetValid";

/** The host name the `hostname` front's certificate is for (never the URL's `localhost`). */
export const OTHER_HOST = "platform.example";

/** What the SDK says of each failure: its code, Node's code, the problem and the fix (a pattern). */
export const TLS_FAILURES: Record<
  TlsFailureKind,
  { code: string; reason: string; problem: string; fix: string }
> = {
  untrusted: {
    code: "tls_untrusted",
    reason: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    problem: "presented a certificate this process does not trust",
    fix: "if a private CA signs it, set NODE_EXTRA_CA_CERTS to that CA's PEM file",
  },
  selfSigned: {
    code: "tls_self_signed",
    reason: "DEPTH_ZERO_SELF_SIGNED_CERT",
    problem: "presented a self-signed certificate",
    fix: "give the platform a certificate a CA signs, or set NODE_EXTRA_CA_CERTS to this certificate's PEM file to trust it",
  },
  hostname: {
    code: "tls_hostname",
    reason: "ERR_TLS_CERT_ALTNAME_INVALID",
    problem: `presented a certificate for ${OTHER_HOST}, not for localhost`,
    fix: "set MOLECULE_PLATFORM_URL to a host name the certificate names, or give the platform a certificate for the host name you use",
  },
  expired: {
    code: "tls_expired",
    reason: "CERT_HAS_EXPIRED",
    problem: "presented a certificate that has expired",
    fix: "renew the platform's certificate, or if it is current set this machine's clock right (it reads CLOCK)",
  },
  notYetValid: {
    code: "tls_not_yet_valid",
    reason: "CERT_NOT_YET_VALID",
    problem: "presented a certificate that is not valid yet",
    fix: "set this machine's clock right (it reads CLOCK), or give the platform a certificate valid from now",
  },
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const CLOCK = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

/** The fix the SDK names for `kind`, as a pattern source (the clock it names as an ISO time). */
function fixSource(kind: TlsFailureKind): string {
  return escape(TLS_FAILURES[kind].fix).replace("CLOCK", CLOCK);
}

/**
 * The whole one-line message the SDK gives for `kind` at `platformUrl`, reached through `via`
 * (`the proxy http://... (HTTPS_PROXY)`) or directly.
 */
export function tlsLine(kind: TlsFailureKind, platformUrl: string, via?: string): RegExp {
  const f = TLS_FAILURES[kind];
  const at = `the platform at ${platformUrl}${via ? ` (reached through ${via})` : ""}`;
  return new RegExp(`^${escape(`${at} ${f.problem} (${f.reason}): `)}${fixSource(kind)}$`);
}

/** `doctor`'s fix line for `kind` (`fix: ...`): the same words as the error's. */
export function tlsFixLine(kind: TlsFailureKind): RegExp {
  return new RegExp(`^fix: ${fixSource(kind)}$`);
}
/** One TLS front per failure, and a valid one, over the same target. */
export interface TlsFronts {
  /** The CA the test trusts: it signs `valid`, `hostname`, `expired` and `notYetValid`. */
  ca: TestCa;
  /** The private CA `untrusted`'s certificate comes from (trusting it is the fix). */
  privateCa: TestCa;
  valid: TlsFront;
  failing: Record<TlsFailureKind, TlsFront>;
  close(): Promise<void>;
}

const DAY = 86_400_000;

/** Starts the fronts in front of `target` (a plain HTTP base URL). */
export async function tlsFronts(target: string): Promise<TlsFronts> {
  const ca = makeTestCa();
  const privateCa = makeTestCa();
  const now = Date.now();
  const [valid, untrusted, selfSigned, hostname, expired, notYetValid] = await Promise.all([
    tlsFront(target, ca),
    tlsFront(target, privateCa),
    tlsFront(target, makeSelfSigned()),
    tlsFront(target, ca.issue({ hosts: [OTHER_HOST] })),
    tlsFront(
      target,
      ca.issue({ notBefore: new Date(now - 2 * DAY), notAfter: new Date(now - DAY) }),
    ),
    tlsFront(
      target,
      ca.issue({ notBefore: new Date(now + DAY), notAfter: new Date(now + 2 * DAY) }),
    ),
  ]);
  const failing = { untrusted, selfSigned, hostname, expired, notYetValid };
  return {
    ca,
    privateCa,
    valid,
    failing,
    async close() {
      await Promise.all([valid, ...Object.values(failing)].map((f) => f.close()));
    },
  };
}
