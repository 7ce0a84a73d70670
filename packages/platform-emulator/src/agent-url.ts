// Which agent URLs the platform accepts: the register rule (`validateAgentURL`) and the proxy's
// dispatch rule (`isSafeURL`), as the real server applies them (platform-api.md §3.4, §3.10).
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyIp, type IpClass } from "./util.js";

/** `register`: the URL an agent registers. `dispatch`: the URL the A2A proxy is about to call. */
export type AgentUrlUse = "register" | "dispatch";

/** The switches that change the rules. */
export interface AgentUrlPolicy {
  /** Dev mode (`MOLECULE_ENV=development`): the proxy may dispatch to loopback and private hosts. */
  devMode: boolean;
  /** Opt-in leniency (not the real server): register also accepts loopback and private addresses. */
  lenientRegister: boolean;
}

/**
 * Whether the platform accepts `raw` for `use`. Register: `http(s)` only; `localhost` by name is
 * accepted without a lookup; an IP literal, and every address another host name resolves to, must
 * be public (loopback, private, link-local, CGNAT, TEST-NET and multicast are refused, in dev mode
 * too). Dispatch: host names are resolved (`localhost` included); loopback and private addresses
 * pass only in dev mode; the always-blocked ranges never do.
 */
export async function agentUrlAllowed(
  raw: string,
  use: AgentUrlUse,
  policy: AgentUrlPolicy,
): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  let host = u.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const relaxed = use === "register" ? policy.lenientRegister : policy.devMode;
  const allow = (c: IpClass): boolean =>
    c === "public" || (relaxed && (c === "loopback" || c === "private"));
  if (isIP(host) !== 0) return allow(classifyIp(host));
  // `localhost` is loopback by definition: no lookup needed for either rule.
  if (host === "localhost") return use === "register" || policy.devMode;
  try {
    const addrs = await lookup(host, { all: true });
    return addrs.length > 0 && addrs.every((a) => allow(classifyIp(a.address)));
  } catch {
    return false;
  }
}

/** `[first address, prefix bits, label]`: the 2026-08 server's blocked ranges (IPv4). */
type V4Range = [string, number, string];
const V4_ALWAYS: V4Range[] = [
  ["169.254.0.0", 16, "link-local address (cloud metadata endpoint)"],
  ["192.0.2.0", 24, "TEST-NET-1 documentation range (RFC-5737)"],
  ["198.51.100.0", 24, "TEST-NET-2 documentation range (RFC-5737)"],
  ["203.0.113.0", 24, "TEST-NET-3 documentation range (RFC-5737)"],
  ["100.64.0.0", 10, "carrier-grade NAT address (RFC-6598)"],
  ["224.0.0.0", 4, "IPv4 multicast address"],
];
const V4_LOOPBACK: V4Range[] = [["127.0.0.0", 8, "loopback address"]];
const V4_PRIVATE: V4Range[] = [
  ["10.0.0.0", 8, "RFC-1918 private address"],
  ["172.16.0.0", 12, "RFC-1918 private address"],
  ["192.168.0.0", 16, "RFC-1918 private address"],
];

function v4Num(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** The label of the blocked range `ip` falls in, or `undefined`. */
function blockedLabel(ip: string, policy: AgentUrlPolicy): string | undefined {
  const v6 = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6)?.[1];
  if (isIP(ip) === 4 || mapped !== undefined) {
    const n = v4Num(mapped ?? ip);
    const ranges = [
      ...V4_ALWAYS,
      ...(policy.devMode ? [] : V4_LOOPBACK),
      ...(policy.lenientRegister ? [] : V4_PRIVATE),
    ];
    for (const [first, bits, label] of ranges) {
      const size = 2 ** (32 - bits);
      const base = v4Num(first);
      if (n >= base && n < base + size) return label;
    }
    return undefined;
  }
  if (/^fe[89ab]/.test(v6)) return "IPv6 link-local address (cloud metadata analogue)";
  if (v6.startsWith("fc")) return "IPv6 ULA non-routable prefix (fc00::/8)";
  if (v6.startsWith("2001:db8:") || v6 === "2001:db8::")
    return "IPv6 documentation address (RFC-3849 reserved)";
  if (v6.startsWith("ff")) return undefined; // not in the server's list
  if (!policy.devMode && v6 === "::1") return "IPv6 loopback address";
  if (!policy.lenientRegister && v6.startsWith("fd")) return "IPv6 ULA address (RFC-4193 private)";
  return undefined;
}

/**
 * The 2026-08 server's `validateAgentURL` (`registry.go` 470-604 at enteros-core aeec8e47), used by
 * register (push mode) and by create with a `url`: `undefined` when the URL is accepted, else the
 * error text the server answers. In dev mode (`MOLECULE_ENV=development`, the emulator's default)
 * loopback is accepted, `127.0.0.1` included; RFC-1918 addresses are refused on a self-hosted
 * server (accepted with `lenientAgentUrls`); `localhost` is accepted without a lookup; another
 * host name must resolve, to no blocked address.
 */
export async function augustAgentUrlError(
  raw: string,
  policy: AgentUrlPolicy,
): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Go's url.Parse accepts most strings (with an empty scheme); WHATWG's does not.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase() ?? "";
    if (scheme !== "http" && scheme !== "https")
      return `url scheme must be http or https, got ${JSON.stringify(scheme)}`;
    return `url is not valid: parse ${JSON.stringify(raw)}: invalid URL`;
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https")
    return `url scheme must be http or https, got ${JSON.stringify(scheme)}`;
  let host = u.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (isIP(host) !== 0) {
    const label = blockedLabel(host, policy);
    return label === undefined ? undefined : `url targets a blocked address: ${label}`;
  }
  if (host === "localhost") return undefined;
  let addrs: { address: string }[];
  try {
    addrs = await lookup(host, { all: true });
  } catch (e) {
    return `hostname ${JSON.stringify(host)} cannot be resolved (DNS error): lookup ${host}: ${(e as NodeJS.ErrnoException).code ?? "no such host"}`;
  }
  for (const a of addrs) {
    const label = blockedLabel(a.address, policy);
    if (label !== undefined)
      return `hostname ${JSON.stringify(host)} resolves to forbidden address: url targets a blocked address: ${label}`;
  }
  return undefined;
}
