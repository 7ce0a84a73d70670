// The platform's URL as a transport takes it (validated, normalised: http(s), no credentials, query
// or trailing slash) and a request's path with its query string.
import { MoleculeError } from "./errors.js";

/** Validates and normalises a platform URL: http(s), no query/fragment, no trailing slash. */
export function normalizeBaseUrl(raw: string, what = "platformUrl"): URL {
  if ((raw === undefined || raw === "") && what === "platformUrl") {
    throw new MoleculeError(
      `platformUrl is missing: set MOLECULE_PLATFORM_URL (or pass platformUrl) to the platform's base URL, such as "https://acme.moleculesai.app" (the canvas or the platform emulator shows it)`,
      { code: "invalid_argument" },
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MoleculeError(
      `${what} must be an absolute http(s) URL such as "https://acme.moleculesai.app"; got ${JSON.stringify(raw)}`,
      { code: "invalid_argument" },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MoleculeError(`${what} must use http or https; got "${url.protocol}"`, {
      code: "invalid_argument",
    });
  }
  if (url.username || url.password) {
    throw new MoleculeError(`${what} must not contain credentials; pass the token separately`, {
      code: "invalid_argument",
    });
  }
  url.search = "";
  url.hash = "";
  url.pathname = url.pathname.replace(/\/+$/, "");
  return url;
}

/** Appends a query string built from `query` to `path`. */
export function withQuery(
  path: string,
  query: Record<string, string | number | undefined> | undefined,
): string {
  if (!query) return path;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? path : `${path}?${parts.join("&")}`;
}
