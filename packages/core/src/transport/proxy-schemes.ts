// The authentication schemes a forward proxy offers in its 407's `Proxy-Authenticate`, and what to
// do about them: the SDK (undici) speaks only Basic to a proxy. A proxy that offers only NTLM,
// Negotiate or Kerberos (a Windows domain's) needs a local relay that speaks the scheme to it;
// putting the domain password in HTTPS_PROXY would only send it as Basic to a proxy that never
// asked for Basic.

/** An auth scheme's name (RFC 9110 `token`). */
const SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+|$)/;

/**
 * The schemes `header` (a 407's `Proxy-Authenticate`, one value or several) offers, in order:
 * `NTLM, Negotiate` gives `["NTLM", "Negotiate"]`; `Basic realm="corp"` gives `["Basic"]`.
 */
export function offeredSchemes(header: string | string[] | undefined): string[] {
  const out: string[] = [];
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    for (const part of value.split(",")) {
      const m = SCHEME.exec(part.trim());
      // `realm="x"` and other auth-params follow a scheme: a name followed by `=` is not one.
      if (m && !/^\s*=/.test(part.trim().slice(m[1]!.length)) && !out.includes(m[1]!))
        out.push(m[1]!);
    }
  }
  return out;
}

/** Whether `schemes` (from {@link offeredSchemes}) rule Basic out: some were named, none Basic. */
export function basicRefused(schemes: readonly string[] | undefined): boolean {
  return schemes !== undefined && schemes.length > 0 && !schemes.some((s) => /^basic$/i.test(s));
}

/**
 * What to do about a 407 from the proxy `from` names (`HTTPS_PROXY`, ...) that offered `schemes`:
 * its credentials when it takes Basic (or named nothing), else a local relay for its schemes.
 */
export function proxyAuthFix(schemes: readonly string[] | undefined, from: string): string {
  if (!basicRefused(schemes)) {
    return `put the proxy's user and password in ${from} (http://user:password@host:port, URL-encoded)`;
  }
  const named = (schemes as readonly string[]).join(" or ");
  return `it asks for ${named}, and the SDK speaks only Basic to a proxy (no credentials were sent to it): run a local relay that speaks ${named} to it (cntlm, px) and set ${from} to the relay (http://127.0.0.1:3128)`;
}
