// The credentials a remote A2A agent gets: the caller's, given per `securitySchemes` entry name of
// the agent's card, and sent only for an entry the card declares (and, when the card lists
// security requirements, one they name), in the place that entry says: `Authorization: Bearer`
// (HTTP bearer, OAuth 2 and OpenID Connect: the caller brings the access token), `Authorization:
// Basic` (HTTP basic: the caller gives `user:password`), or an API key in a header, the query or a
// cookie. Both card forms are read: v0.3 (`type`, `in`, `name`) and v1.0 (`httpAuthSecurityScheme`,
// `apiKeySecurityScheme`...). Nothing else is ever added to a request: no platform credential.
import { MoleculeError } from "../../transport/index.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where one scheme's credential goes. */
type SchemePlacement =
  | { kind: "header"; name: string; prefix: string }
  | { kind: "query"; name: string }
  | { kind: "cookie"; name: string };

/** What a request carries besides its own headers. */
export interface AppliedCredentials {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The scheme names whose credentials are sent. */
  schemes: string[];
}

/** Header names a card may not have a credential written into. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "accept",
  "a2a-version",
  "user-agent",
  "te",
  "upgrade",
  "keep-alive",
  "proxy-authorization",
]);
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

function bad(message: string): MoleculeError {
  return new MoleculeError(message, { code: "invalid_argument", retryable: false });
}

/** The placement of one `securitySchemes` entry, or `undefined` for one this client cannot use. */
function placementOf(raw: unknown): SchemePlacement | undefined {
  if (!isObj(raw)) return undefined;
  // @a2a-js/sdk 1.3's card handler serves the v1.0 oneof as `{ scheme: { $case, value } }`.
  const oneof = isObj(raw["scheme"]) ? raw["scheme"] : undefined;
  const scheme =
    oneof !== undefined && typeof oneof["$case"] === "string"
      ? { [oneof["$case"]]: oneof["value"] }
      : raw;
  const http = isObj(scheme["httpAuthSecurityScheme"])
    ? scheme["httpAuthSecurityScheme"]
    : scheme["type"] === "http"
      ? scheme
      : undefined;
  if (http !== undefined) {
    const s = String(http["scheme"] ?? "").toLowerCase();
    if (s === "bearer") return { kind: "header", name: "authorization", prefix: "Bearer " };
    if (s === "basic") return { kind: "header", name: "authorization", prefix: "Basic " };
    return undefined;
  }
  if (
    isObj(scheme["oauth2SecurityScheme"]) ||
    isObj(scheme["openIdConnectSecurityScheme"]) ||
    scheme["type"] === "oauth2" ||
    scheme["type"] === "openIdConnect"
  ) {
    return { kind: "header", name: "authorization", prefix: "Bearer " };
  }
  const v1 = isObj(scheme["apiKeySecurityScheme"]) ? scheme["apiKeySecurityScheme"] : undefined;
  if (v1 === undefined && scheme["type"] !== "apiKey") return undefined;
  const name = (v1 ?? scheme)["name"];
  if (typeof name !== "string" || !TOKEN.test(name)) return undefined;
  const where = String((v1 ? v1["location"] : scheme["in"]) ?? "").toLowerCase();
  if (where === "header") {
    return RESERVED_HEADERS.has(name.toLowerCase())
      ? undefined
      : { kind: "header", name: name.toLowerCase(), prefix: "" };
  }
  if (where === "query") return { kind: "query", name };
  if (where === "cookie") return { kind: "cookie", name };
  return undefined;
}

/** The scheme names the card's security requirements list (`undefined`: it lists none). */
function requiredNames(card: Obj): Set<string> | undefined {
  const v03 = Array.isArray(card["security"]) ? card["security"] : undefined;
  const v1 = Array.isArray(card["securityRequirements"]) ? card["securityRequirements"] : undefined;
  if (v03 === undefined && v1 === undefined) return undefined;
  const names = new Set<string>();
  for (const r of v03 ?? []) if (isObj(r)) for (const k of Object.keys(r)) names.add(k);
  for (const r of v1 ?? []) {
    if (isObj(r) && isObj(r["schemes"])) for (const k of Object.keys(r["schemes"])) names.add(k);
  }
  return names;
}

/** The names of the card's `securitySchemes` entries. */
export function declaredSchemes(card: unknown): string[] {
  return isObj(card) && isObj(card["securitySchemes"]) ? Object.keys(card["securitySchemes"]) : [];
}

/**
 * What the caller's `credentials` add to each request to the agent of `card`: a credential is
 * sent only when the card declares its scheme (and its requirements, when it lists some, name it)
 * in a place this client can use; `untrusted` names schemes that are not sent even then (entries
 * a verified card's signature does not cover). Throws `invalid_argument` when two sent schemes
 * would write the same header, query parameter or cookie. `query: false` (a gRPC call, which has
 * no query) leaves out a scheme placed in the query.
 */
export function applyCredentials(
  card: unknown,
  credentials: Readonly<Record<string, string | undefined>>,
  untrusted: ReadonlySet<string> = new Set(),
  { query = true }: { query?: boolean } = {},
): AppliedCredentials {
  const out: AppliedCredentials = { headers: {}, query: {}, schemes: [] };
  if (!isObj(card) || !isObj(card["securitySchemes"])) return out;
  const schemes = card["securitySchemes"];
  const required = requiredNames(card);
  const cookies: string[] = [];
  const taken = new Set<string>();
  for (const [name, value] of Object.entries(credentials)) {
    if (typeof value !== "string" || value === "") continue;
    if (!Object.hasOwn(schemes, name) || untrusted.has(name)) continue;
    if (required !== undefined && !required.has(name)) continue;
    const place = placementOf(schemes[name]);
    if (place === undefined || (place.kind === "query" && !query)) continue;
    if (/[\r\n\0]/.test(value))
      throw bad(`the credential of scheme ${JSON.stringify(name)} holds a line break`);
    const slot = `${place.kind}:${place.name}`;
    if (taken.has(slot)) {
      throw bad(
        `credentials for two of the agent card's schemes would both be sent as the ${place.kind} ${JSON.stringify(place.name)}; give only one of them`,
      );
    }
    taken.add(slot);
    if (place.kind === "header") {
      const v =
        place.prefix === "Basic " && value.includes(":")
          ? btoa(String.fromCharCode(...new TextEncoder().encode(value)))
          : value;
      out.headers[place.name] = `${place.prefix}${v}`;
    } else if (place.kind === "query") out.query[place.name] = value;
    else cookies.push(`${place.name}=${encodeURIComponent(value)}`);
    out.schemes.push(name);
  }
  if (cookies.length > 0) out.headers["cookie"] = cookies.join("; ");
  return out;
}
