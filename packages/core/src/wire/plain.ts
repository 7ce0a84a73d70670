// The payloads an idle poll agent reads over and over (register, state, the activity feed) and
// every peer call's answer (its JSON-RPC envelope, a queued receipt), parsed without zod: loading
// zod (all its locales included) is ~15 MiB of an idle agent's RSS (issue 88) and the first peer
// call's largest start cost (issue 114), and these shapes are a few typed fields of a loose object.
// Each parser answers `safeParse` as its zod twin in schemas.ts would (same output, same first
// issue's path and message: test/wire-plain compares them); everything else in wire/ stays on zod,
// loaded on its first use.

/**
 * What a field accepts: a type (`?` optional, `??` also null), one literal value (`{ is }`,
 * required), or an optional loose object of its own.
 */
type Field =
  | "string"
  | "string?"
  | "string??"
  | "boolean??"
  | "number"
  | "number?"
  | "unknown?"
  | { readonly is: string | boolean }
  | LooseObject;

/** One issue, as parseWire reads it from zod. */
interface Issue {
  path: (string | number)[];
  message: string;
}

type Result = { success: true; data: unknown } | { success: false; error: { issues: Issue[] } };

/** The type name zod's English messages give `v` (`util.parsedType`). */
function received(v: unknown): string {
  if (typeof v === "number")
    return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "number" : String(v);
  if (typeof v !== "object") return typeof v;
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const proto: unknown = Object.getPrototypeOf(v);
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  return proto !== Object.prototype && "constructor" in v && ctor ? String(ctor.name) : "object";
}

const invalid = (path: (string | number)[], expected: string, v: unknown): Result =>
  failed(path, `Invalid input: expected ${expected}, received ${received(v)}`);

const failed = (path: (string | number)[], message: string): Result => ({
  success: false,
  error: { issues: [{ path, message }] },
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The type a typed `field` expects of a value `v`, or undefined when `v` is accepted. */
function mismatch(field: Exclude<Field, object>, v: unknown): string | undefined {
  if (field === "unknown?") return undefined;
  if (field !== "string" && field !== "number" && v === undefined) return undefined;
  if ((field === "string??" || field === "boolean??") && v === null) return undefined;
  if (field === "number" || field === "number?") {
    return typeof v === "number" && Number.isFinite(v) ? undefined : "number";
  }
  const type = field === "boolean??" ? "boolean" : "string";
  return typeof v === type ? undefined : type;
}

/** The failure of `v`, the field `key` under `path`, or undefined when `field` accepts it. */
function rejection(field: Field, path: (string | number)[], key: string, v: unknown) {
  if (typeof field === "string") {
    const expected = mismatch(field, v);
    return expected === undefined ? undefined : invalid([...path, key], expected, v);
  }
  if (field instanceof LooseObject) {
    const r = v === undefined ? undefined : field.parseAt([...path, key], v);
    return r?.success === false ? r : undefined;
  }
  if (v === field.is) return undefined;
  return failed([...path, key], `Invalid input: expected ${JSON.stringify(field.is)}`);
}

/** A parser like zod's `z.looseObject(shape)` for these field kinds. */
export class LooseObject {
  /** The shape's fields, listed once (every activity row is parsed with them). */
  readonly #fields: readonly (readonly [string, Field])[];
  /** The fields that are objects of their own (copied, as zod does). */
  readonly #objects: readonly string[];

  constructor(shape: Readonly<Record<string, Field>>) {
    this.#fields = Object.entries(shape);
    this.#objects = this.#fields.filter(([, f]) => f instanceof LooseObject).map(([k]) => k);
  }

  safeParse(value: unknown): Result {
    return this.parseAt([], value);
  }

  /** `safeParse` with the issue's path under `path`. */
  parseAt(path: (string | number)[], value: unknown): Result {
    if (!isObject(value)) return invalid(path, "object", value);
    for (const [key, field] of this.#fields) {
      const failure = rejection(field, path, key, value[key]);
      if (failure !== undefined) return failure;
    }
    const data = copy(value);
    for (const key of this.#objects)
      if (data[key] !== undefined) data[key] = copy(data[key] as never);
    return { success: true, data };
  }
}

/** A shallow copy of `value` without an own `__proto__` key (which zod leaves out too). */
function copy(value: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(value, "__proto__")) return { ...value }; // one step, not a key at a time
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== "__proto__") out[key] = value[key];
  return out;
}

/** zod's `z.union([z.array(z.unknown()), z.looseObject({ items: z.array(z.unknown()) })])`. */
export class ListOrItems {
  safeParse(value: unknown): Result {
    if (Array.isArray(value)) return { success: true, data: [...value] };
    if (isObject(value) && Array.isArray(value["items"])) {
      return { success: true, data: { ...copy(value), items: [...value["items"]] } };
    }
    // Both options fail with an issue that ends their parse: zod reports the union itself.
    return { success: false, error: { issues: [{ path: [], message: "Invalid input" }] } };
  }
}
