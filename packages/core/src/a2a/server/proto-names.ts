// Proto-JSON field names. The proto3 JSON mapping has a parser accept a field under its
// lowerCamelCase JSON name and under its original proto name (`message_id` as well as
// `messageId`); `@a2a-js/sdk`'s REST handler does, and HTTP+JSON clients written from the proto
// (the A2A conformance kit's among them) send the proto names. The binding's bodies are read here
// into the JSON names the methods read. Struct and Value fields (`metadata`, a data part's
// `data`, an extension's `params`) are the sender's own JSON: kept as sent.

type Obj = Record<string, unknown>;

/** Fields whose value is a `google.protobuf.Struct` or `Value`: never renamed inside. */
const OPAQUE = new Set(["metadata", "data", "params"]);

const PROTO_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;

/**
 * `body` with every proto field name (snake_case) under its JSON name; a field sent under both
 * keeps the JSON name's value. Depth is bounded by the caller (the body's depth is checked before
 * it is parsed).
 */
export function withJsonNames(body: Obj): Obj {
  let out: Obj | undefined;
  for (const [key, value] of Object.entries(body)) {
    const renamed = PROTO_NAME.test(key) ? camel(key) : key;
    const inner = OPAQUE.has(renamed) ? value : renamedValue(value);
    if (renamed === key && inner === value) continue;
    out ??= { ...body };
    if (renamed !== key) {
      delete out[key];
      if (renamed in body) continue;
    }
    out[renamed] = inner;
  }
  return out ?? body;
}

function renamedValue(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(renamedValue);
    return items.some((x, i) => x !== v[i]) ? items : v;
  }
  return typeof v === "object" && v !== null ? withJsonNames(v as Obj) : v;
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
