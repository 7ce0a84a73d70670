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
