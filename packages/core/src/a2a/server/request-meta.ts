// What the endpoint reads from a request besides its body, the same for both bindings: the
// A2A-Version header, the extensions the caller asks for (`A2A-Extensions`, v0.3's
// `X-A2A-Extensions`), and its headers for the extended card's `authorize` (built only then).

/** A request's service parameters. */
export interface RequestMeta {
  /** `A2A-Version` as sent. */
  readonly version: string | undefined;
  /** Extension URIs the caller asked for that the agent's card declares, in the caller's order. */
  readonly extensions: readonly string[];
  /** The request's headers (built on the first call). */
  headers(): Headers;
}

/**
 * Whether an `A2A-Version` value names a version this endpoint does not speak (absent or empty:
 * 0.3). Versions are `Major.Minor`: a patch number is not considered (v1.0 §3.6), so `1.0.1` is
 * 1.0 and `0.3.2` is 0.3.
 */
export function unsupportedVersion(version: string | undefined): boolean {
  if (version === undefined) return false;
  return !/^(?:|1|(?:0\.3|1\.0)(?:\.\d{1,9})?)$/.test(version.trim());
}

/** Most extension URIs read from one request, and the longest one (longer ones are ignored). */
const MAX_EXTENSIONS = 32;
const MAX_URI_LENGTH = 512;

const NONE: readonly string[] = Object.freeze([]);

/**
 * The declared extensions among those a header value asks for (comma-separated URIs, v1.0 §3.2.6):
 * an undeclared one is ignored (§4.6.3), and at most {@link MAX_EXTENSIONS} are read.
 */
export function requestedExtensions(
  header: string | undefined | null,
  declared: ReadonlySet<string>,
): readonly string[] {
  if (!header || declared.size === 0) return NONE;
  const out: string[] = [];
  for (const raw of header.split(",", MAX_EXTENSIONS)) {
    const uri = raw.trim();
    if (uri.length <= MAX_URI_LENGTH && declared.has(uri) && !out.includes(uri)) out.push(uri);
  }
  return out.length === 0 ? NONE : out;
}

/** A {@link RequestMeta} over values an adapter read. */
export function requestMeta(
  version: string | undefined,
  extensions: readonly string[],
  headers: () => Headers,
): RequestMeta {
  let built: Headers | undefined;
  return { version, extensions, headers: () => (built ??= headers()) };
}
