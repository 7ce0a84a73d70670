// Which addresses a push notification webhook may reach: a caller of the agent chooses the URL, so
// it is a server-side request forgery surface (A2A v1.0 §13.2). By default only public unicast
// addresses pass: loopback, private (RFC 1918, CGNAT), link-local, unique-local, multicast,
// unspecified, reserved and documentation ranges, and the cloud metadata addresses are refused;
// an IPv6 address that embeds an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by it. A
// host name is judged by every address it resolves to, when the config is set and again on every
// connection (webhook-sender.ts: the connection's own lookup, so a rebinding between the check and
// the connection changes nothing). Behind a forward proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY), the
// proxy connects, so the rule judges the final target before each request (its name resolved here,
// every address), never the proxy's own address; the proxy resolves the name again itself.
import type { Dispatcher } from "undici";
import { loadNodeDns, loadUndici } from "../../runtime/index.js";
import { ProxyRouter, proxySettings } from "../../transport/index.js";

/** The range an address falls in; only `"public"` passes by default. */
export type WebhookAddressKind =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "unique-local"
  | "multicast"
  | "metadata"
  | "unspecified"
  | "reserved";

/**
 * Which webhook addresses are allowed: `"public"` (default), `"private"` (also loopback, private,
 * link-local and unique-local: a webhook on the agent's own network; never metadata, multicast,
 * unspecified or reserved addresses), or a function deciding for every address.
 */
export type WebhookAddressPolicy =
  | "public"
  | "private"
  | ((address: string, kind: WebhookAddressKind) => boolean);

const PRIVATE_OK = new Set<WebhookAddressKind>([
  "public",
  "loopback",
  "private",
  "link-local",
  "unique-local",
]);

/** The policy as a predicate over one address. */
export function addressAllowed(policy: WebhookAddressPolicy): (address: string) => boolean {
  if (typeof policy === "function") return (a) => policy(a, classifyAddress(a)) === true;
  const ok = policy === "private" ? PRIVATE_OK : new Set<WebhookAddressKind>(["public"]);
  return (a) => ok.has(classifyAddress(a));
}

/** The four octets of a dotted IPv4 address, or undefined. */
function ipv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

function kindOf4([a, b, c, d]: number[]): WebhookAddressKind {
  const is = (x: number, y: number, z: number, w: number): boolean =>
    a === x && b === y && c === z && d === w;
  if (is(169, 254, 169, 254) || is(100, 100, 100, 200) || is(168, 63, 129, 16)) return "metadata";
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b! >= 64 && b! <= 127) return "private"; // shared address space (CGNAT)
  if (a === 169 && b === 254) return "link-local";
  if (a! >= 224 && a! <= 239) return "multicast";
  if (a! >= 240) return "reserved"; // and 255.255.255.255
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "reserved"; // protocol, TEST-NET-1
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113))
    return "reserved";
  if (a === 198 && (b === 18 || b === 19)) return "reserved"; // benchmarking
  return "public";
}

/** The 16-bit groups of one side of `::` in an IPv6 address. */
function groups(h: string): number[] | undefined {
  if (h === "") return [];
  const out: number[] = [];
  for (const g of h.split(":")) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

/** The IPv4 address embedded in two 16-bit groups, judged as IPv4. */
function embedded(hi: number, lo: number): WebhookAddressKind {
  return kindOf4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
}

/** The eight 16-bit groups of an IPv6 address (zone removed), or undefined. */
function ipv6(s: string): number[] | undefined {
  let text = s.replace(/^\[|\]$/g, "");
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    const v4 = ipv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const zeros = Array.from({ length: halves.length === 2 ? fill : 0 }, () => 0);
  const all = [...head, ...zeros, ...rest];
  if (tail.length === 2) all.splice(6, 2, tail[0]!, tail[1]!);
  return all;
}

function kindOf6(g: number[]): WebhookAddressKind {
  const [a, b, c, d, e, f, h, i] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0) {
    if (f === 0xffff) return embedded(h, i); // IPv4-mapped
    if (f === 0) {
      if (h === 0 && i === 0) return "unspecified";
      if (h === 0 && i === 1) return "loopback";
      return embedded(h, i); // IPv4-compatible (deprecated)
    }
  }
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return embedded(h, i);
  if (a === 0x64 && b === 0xff9b && c === 1) return "private"; // local-use NAT64 (RFC 8215)
  if (a === 0x2002) return embedded(b, c); // 6to4
  if (a === 0x2001 && (b === 0 || b === 0xdb8)) return "reserved"; // Teredo, documentation
  if (a === 0x100 && b === 0 && c === 0 && d === 0) return "reserved"; // discard-only
  if (
    a === 0xfd00 &&
    b === 0xec2 &&
    c === 0 &&
    d === 0 &&
    e === 0 &&
    f === 0 &&
    h === 0 &&
    i === 0x254
  ) {
    return "metadata"; // EC2 instance metadata over IPv6
  }
  if ((a & 0xfe00) === 0xfc00) return "unique-local";
  if ((a & 0xffc0) === 0xfe80) return "link-local";
  if ((a & 0xffc0) === 0xfec0) return "private"; // site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return "multicast";
  return "public";
}

/** The range of an IP address (an unparsable one is `"reserved"`: never public). */
export function classifyAddress(address: string): WebhookAddressKind {
  const v4 = ipv4(address);
  if (v4 !== undefined) return kindOf4(v4);
  const v6 = address.includes(":") ? ipv6(address) : undefined;
  return v6 === undefined ? "reserved" : kindOf6(v6);
}

/** Whether a URL host (as `new URL` writes it) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  return ipv4(host) !== undefined || host.startsWith("[");
}

/** Resolves a host name to all its addresses, or `undefined` where the runtime cannot. */
async function resolveHost(host: string): Promise<string[] | undefined> {
  const dns = loadNodeDns();
  if (dns === undefined) return undefined;
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/**
 * Why `url` may not be a webhook under `allowed`, or `undefined` when it may: an IP literal is
 * judged as it is; a host name by every address it resolves to now (`localhost` is loopback
 * whatever it resolves to). A name that does not resolve now is not refused here: every
 * connection to it is checked again when a notification is sent.
 */
export async function webhookRefusal(
  url: string,
  allowed: (address: string) => boolean,
): Promise<string | undefined> {
  const host = new URL(url).hostname;
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIpLiteral(host)) {
    return allowed(bare) ? undefined : `it is a ${classifyAddress(bare)} address`;
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    return allowed("127.0.0.1") ? undefined : "localhost is a loopback address";
  }
  let addresses: string[] | undefined;
  try {
    addresses = await resolveHost(host);
  } catch {
    return undefined;
  }
  for (const a of addresses ?? []) {
    if (!allowed(a)) return `${host} resolves to ${a}, a ${classifyAddress(a)} address`;
  }
  return undefined;
}

/**
 * An undici agent whose every connection resolves its host through `allowed`: a host name with
 * any refused address (or none usable) fails to connect with an error of code `refusalCode`
 * (`<host> resolves to <address>, a <kind> address`). `undefined` where the runtime has no undici
 * or no DNS (the edge build). An IP literal is not looked up: check it before connecting.
 */
export function guardedAgent(
  allowed: (address: string) => boolean,
  refusalCode: string,
): Dispatcher | undefined {
  const undici = loadUndici();
  const dns = loadNodeDns();
  if (
    undici === undefined ||
    dns === undefined ||
    typeof undici.Agent?.prototype?.request !== "function"
  ) {
    return undefined;
  }
  const lookup = (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (...args: unknown[]) => void,
  ): void => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, found) => {
      if (err) return callback(err);
      const want = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
      const usable = found.filter((a) => !want || a.family === want);
      const bad = found.find((a) => !allowed(a.address));
      if (bad !== undefined || usable.length === 0) {
        const what =
          bad === undefined
            ? "no usable address"
            : `${bad.address}, a ${classifyAddress(bad.address)} address`;
        const e = Object.assign(new Error(`${hostname} resolves to ${what}`), {
          code: refusalCode,
        });
        return callback(e);
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
  // `lookup` is Node's (net.connect's): its callback forms are typed loosely here.
  const direct = new undici.Agent({
    connect: { lookup: lookup as never },
  }) as unknown as Dispatcher;
  const proxy = proxySettings();
  if (!proxy.any) return direct;
  const refuse = (message: string, cause?: unknown): Error =>
    Object.assign(new Error(message, cause === undefined ? undefined : { cause }), {
      code: refusalCode,
    });
  // Through a proxy: the target (never the proxy) is judged by every address its name resolves to.
  const check = async (target: URL): Promise<void> => {
    const host = target.hostname.replace(/^\[|\]$/g, "");
    let found: string[];
    if (isIpLiteral(target.hostname)) found = [host];
    else if (host === "localhost" || host.endsWith(".localhost")) found = ["127.0.0.1"];
    else {
      try {
        found = (await dns.promises.lookup(host, { all: true, verbatim: true })).map(
          (a) => a.address,
        );
      } catch (err) {
        throw refuse(
          `${host} does not resolve here, so its address cannot be checked before the proxy connects to it`,
          err,
        );
      }
    }
    const bad = found.find((a) => !allowed(a));
    if (bad !== undefined || found.length === 0) {
      throw refuse(
        `${host} resolves to ${bad === undefined ? "no usable address" : `${bad}, a ${classifyAddress(bad)} address`}`,
      );
    }
  };
  return new ProxyRouter(undici, {}, proxy, direct, check) as unknown as Dispatcher;
}
