// The canonical form of an agent card that its signatures cover (A2A v1.0 §8.4.1), as
// @a2a-js/sdk 1.3 computes it so that each side verifies the other's signatures: the card read as
// the v1.0 `AgentCard` message (fields outside it are not signed: v0.3's top-level `url`,
// `preferredTransport`, `additionalInterfaces`, `protocolVersion`...), written as proto-JSON
// (a plain field equal to its default is left out, a field with presence is kept), `signatures`
// removed, empty strings, lists and objects removed, then serialised with JCS (RFC 8785: keys in
// UTF-16 code-unit order, ECMAScript number and string forms, no whitespace).

type Obj = Record<string, unknown>;

/** How one field of a message is read: a scalar kind, a message, a list or map of them, a oneof. */
type Kind =
  | "string" // plain: "" is its default
  | "optString" // presence: kept when set
  | "bool" // plain: false is its default
  | "optBool"
  | "strings" // repeated string
  | "struct" // google.protobuf.Struct: any JSON object
  | { message: Schema }
  | { list: Schema }
  | { map: Schema | "string" }
  | { oneof: Record<string, Schema> };

type Schema = Record<string, Kind>;

const STRING_LIST: Schema = { list: "strings" };
const SECURITY_REQUIREMENT: Schema = { schemes: { map: STRING_LIST } };
const flow = (fields: string[], pkce = false): Schema => {
  const s: Schema = { scopes: { map: "string" } };
  for (const f of fields) s[f] = "string";
  if (pkce) s["pkceRequired"] = "bool";
  return s;
};
const SECURITY_SCHEME: Schema = {
  scheme: {
    oneof: {
      apiKeySecurityScheme: { description: "string", location: "string", name: "string" },
      httpAuthSecurityScheme: { description: "string", scheme: "string", bearerFormat: "string" },
      oauth2SecurityScheme: {
        description: "string",
        oauth2MetadataUrl: "string",
        flows: {
          message: {
            flow: {
              oneof: {
                authorizationCode: flow(["authorizationUrl", "tokenUrl", "refreshUrl"], true),
                clientCredentials: flow(["tokenUrl", "refreshUrl"]),
                implicit: flow(["authorizationUrl", "refreshUrl"]),
                password: flow(["tokenUrl", "refreshUrl"]),
                deviceCode: flow(["deviceAuthorizationUrl", "tokenUrl", "refreshUrl"]),
              },
            },
          },
        },
      },
      openIdConnectSecurityScheme: { description: "string", openIdConnectUrl: "string" },
      mtlsSecurityScheme: { description: "string" },
    },
  },
};
const AGENT_CARD: Schema = {
  name: "string",
  description: "string",
  supportedInterfaces: {
    list: { url: "string", protocolBinding: "string", tenant: "string", protocolVersion: "string" },
  },
  provider: { message: { url: "string", organization: "string" } },
  version: "string",
  documentationUrl: "optString",
  capabilities: {
    message: {
      streaming: "optBool",
      pushNotifications: "optBool",
      extensions: {
        list: { uri: "string", description: "string", required: "bool", params: "struct" },
      },
      extendedAgentCard: "optBool",
    },
  },
  securitySchemes: { map: SECURITY_SCHEME },
  securityRequirements: { list: SECURITY_REQUIREMENT },
  defaultInputModes: "strings",
  defaultOutputModes: "strings",
  skills: {
    list: {
      id: "string",
      name: "string",
      description: "string",
      tags: "strings",
      examples: "strings",
      inputModes: "strings",
      outputModes: "strings",
      securityRequirements: { list: SECURITY_REQUIREMENT },
    },
  },
  iconUrl: "optString",
};

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `raw` read as the message `schema` and written back as proto-JSON. */
function message(raw: unknown, schema: Schema): Obj {
  const src = isObj(raw) ? raw : {};
  const out: Obj = {};
  for (const [key, kind] of Object.entries(schema)) {
    if (typeof kind === "object" && "oneof" in kind) {
      for (const [name, s] of Object.entries(kind.oneof)) {
        const v = src[name] ?? src[snake(name)];
        if (isSet(v)) {
          out[name] = message(v, s);
          break;
        }
      }
      continue;
    }
    const v = isSet(src[key]) ? src[key] : src[snake(key)];
    const value = field(v, kind);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function field(v: unknown, kind: Kind): unknown {
  switch (kind) {
    case "string":
      return isSet(v) && String(v) !== "" ? String(v) : undefined;
    case "optString":
      return isSet(v) ? String(v) : undefined;
    case "bool":
      return isSet(v) && Boolean(v) ? true : undefined;
    case "optBool":
      return isSet(v) ? Boolean(v) : undefined;
    case "strings":
      return Array.isArray(v) && v.length > 0 ? v.map((e) => String(e)) : undefined;
    case "struct":
      return isObj(v) ? v : undefined;
  }
  if ("message" in kind) return isSet(v) ? message(v, kind.message) : undefined;
  if ("list" in kind) {
    return Array.isArray(v) && v.length > 0 ? v.map((e) => message(e, kind.list)) : undefined;
  }
  if ("map" in kind) {
    if (!isObj(v) || Object.keys(v).length === 0) return undefined;
    const out: Obj = {};
    for (const [k, e] of Object.entries(v)) {
      out[k] = kind.map === "string" ? String(e ?? "") : message(e, kind.map);
    }
    return out;
  }
  return undefined;
}

/** `v` without empty strings, lists and objects (and nulls), recursively; `undefined` if empty. */
function cleaned(v: unknown): unknown {
  if (v === "" || v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const list = v.map(cleaned).filter((e) => e !== undefined);
    return list.length > 0 ? list : undefined;
  }
  if (typeof v === "object") {
    const out: Obj = {};
    for (const [k, e] of Object.entries(v)) {
      const c = cleaned(e);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return v;
}

/** JSON Canonicalization Scheme (RFC 8785) of a JSON value. */
function jcs(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(",")}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((v as Obj)[k])}`).join(",")}}`;
}

/** The bytes an agent card's signatures sign (as text), without its `signatures`. */
export function canonicalCard(card: unknown): string {
  const c = cleaned(message(card, AGENT_CARD));
  return c === undefined ? "{}" : jcs(c);
}
