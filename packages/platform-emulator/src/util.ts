// Small helpers shared by the emulator: ids, tokens, strict (Go-like) field validation, URL safety.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { isIP } from "node:net";

/** Lowercase canonical UUID (what the platform's Postgres returns). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Case-insensitive UUID (what Go's `uuid.Parse` accepts). */
export const UUID_ANY_RE =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A new lowercase v4 UUID. */
export function newId(): string {
  return randomUUID();
}

/** A new workspace token: 32 random bytes, base64url without padding (43 chars). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** sha256 of a token, hex (the emulator's stand-in for the BYTEA column). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** `Authorization: Bearer <x>` parsing with the exact, case-sensitive prefix the platform uses. */
export function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined || !header.startsWith("Bearer ")) return undefined;
  const t = header.slice(7).trim();
  return t === "" ? undefined : t;
}

/** A plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Thrown by the field readers below; the handler maps it to the endpoint's 400 body. */
export class BindError extends Error {}

/** Go `string` field: absent/null -> default; anything but a string -> BindError. */
export function optString(o: Record<string, unknown>, k: string, def = ""): string {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== "string") throw new BindError(k);
  return v;
}

/** Go `int` field: absent/null -> default; non-integers (1.5, "1") -> BindError. */
export function optInt(o: Record<string, unknown>, k: string, def = 0): number {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new BindError(k);
  return v;
}

/** Go `float64` field. */
export function optFloat(o: Record<string, unknown>, k: string, def = 0): number {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new BindError(k);
  return v;
}

/** Go `bool` field. */
export function optBool(o: Record<string, unknown>, k: string, def = false): boolean {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== "boolean") throw new BindError(k);
  return v;
}

/** `binding:"required"` on a string: present and non-empty. */
export function reqString(o: Record<string, unknown>, k: string): string {
  const v = optString(o, k);
  if (v === "") throw new BindError(k);
  return v;
}

/** RFC3339 timestamp of an epoch-ms value. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * An RFC3339 time as epoch milliseconds, its sub-millisecond digits kept as the fraction (`NaN`
 * when unreadable): the server parses `before_ts` with Go's `time.Parse` (nanoseconds) and
 * Postgres compares `created_at < $ts` in microseconds (`activity.go` 340-351, 504 at aeec8e47),
 * so a row at `.123000` is older than `.123001`.
 */
export function parseRfc3339Ms(s: string): number {
  const ms = Date.parse(s);
  const digits = /\.\d{3}(\d+)/.exec(s)?.[1];
  return digits === undefined ? ms : ms + Number(`0.${digits}`);
}

function ipv4ToInt(ip: string): number {
  const p = ip.split(".").map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

function inV4(ip: string, cidr: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(cidr) & mask);
}

/** Classification of one IP address for the SSRF rules. */
export type IpClass = "public" | "loopback" | "private" | "blocked";

/** Classifies an IP literal like the platform's `validateAgentURL` / `isSafeURL` blocklists. */
export function classifyIp(ip: string): IpClass {
  const fam = isIP(ip);
  if (fam === 4) {
    if (inV4(ip, "127.0.0.0", 8)) return "loopback";
    if (
      inV4(ip, "169.254.0.0", 16) ||
      inV4(ip, "0.0.0.0", 8) ||
      inV4(ip, "192.0.2.0", 24) ||
      inV4(ip, "198.51.100.0", 24) ||
      inV4(ip, "203.0.113.0", 24) ||
      inV4(ip, "100.64.0.0", 10) ||
      inV4(ip, "224.0.0.0", 4) ||
      inV4(ip, "240.0.0.0", 4)
    )
      return "blocked";
    if (inV4(ip, "10.0.0.0", 8) || inV4(ip, "172.16.0.0", 12) || inV4(ip, "192.168.0.0", 16))
      return "private";
    return "public";
  }
  if (fam === 6) {
    const l = ip.toLowerCase();
    if (l === "::1") return "loopback";
    if (l === "::") return "blocked";
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(l);
    if (mapped?.[1] !== undefined) return classifyIp(mapped[1]);
    if (/^fe[89ab]/.test(l) || l.startsWith("2001:db8:") || l.startsWith("ff")) return "blocked";
    if (l.startsWith("fd")) return "private";
    if (l.startsWith("fc")) return "blocked";
    return "public";
  }
  return "blocked";
}

/**
 * A JSON value as Postgres prints a `jsonb` (`response_body::text`): object keys shortest first,
 * then bytewise; `", "` between members and `": "` after keys.
 */
export function jsonbText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jsonbText).join(", ")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort((a, b) => {
        const ba = Buffer.from(a);
        const bb = Buffer.from(b);
        return ba.length - bb.length || Buffer.compare(ba, bb);
      });
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText(v[k])}`).join(", ")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
