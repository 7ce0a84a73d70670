// Which addresses a remote A2A agent (`RemoteA2AAgent`) may be reached at: its URL is untrusted
// input (a model, a user or a config may name it), so it is a server-side request forgery surface
// exactly like a push notification webhook, and the same rule holds (../server/webhook-address.ts):
// only public unicast addresses by default; `allowPrivateNetwork` adds loopback, private,
// link-local and unique-local ones, never the cloud metadata, multicast, unspecified or reserved
// ones. An IP literal is judged before connecting; a host name by every address it resolves to, in
// the connection's own lookup (so a DNS rebinding between a check and the connection changes
// nothing). Redirects are never followed (undici's `request` does not).
import type { Dispatcher } from "undici";
import { loadNodeDns } from "../../runtime/index.js";
import { MoleculeError } from "../../transport/index.js";
import {
  addressAllowed,
  classifyAddress,
  guardedAgent,
  isIpLiteral,
} from "../server/webhook-address.js";

/** The error code of a refused agent address. */
const ADDRESS_REFUSED = "a2a_address_refused";

function refused(why: string): MoleculeError {
  return new MoleculeError(
    `remote A2A agent refused: ${why}; an agent on this machine or your own network is reached only with RemoteA2AAgent's allowPrivateNetwork: true (cloud metadata, multicast and reserved addresses never)`,
    { code: ADDRESS_REFUSED, retryable: false },
  );
}

function unavailable(): MoleculeError {
  return new MoleculeError(
    "RemoteA2AAgent needs Node's DNS and undici to check every connection's address (SSRF rule); this runtime has neither: call the agent from a Node, Bun or Deno process",
    { code: "module_unavailable", retryable: false },
  );
}

/** The address rule of one agent, and the undici agent whose connections it checks. */
export class AddressGuard {
  readonly #allowed: (address: string) => boolean;
  #dispatcher: Dispatcher | undefined;

  constructor(allowPrivateNetwork: boolean) {
    this.#allowed = addressAllowed(allowPrivateNetwork ? "private" : "public");
  }

  /** Throws `a2a_address_refused` for a URL whose host is a refused IP literal or `localhost`. */
  check(url: URL): void {
    const host = url.hostname;
    const bare = host.replace(/^\[|\]$/g, "");
    if (isIpLiteral(host) && !this.#allowed(bare)) {
      throw refused(`${url.origin} is a ${classifyAddress(bare)} address`);
    }
    if ((host === "localhost" || host.endsWith(".localhost")) && !this.#allowed("127.0.0.1")) {
      throw refused(`${url.origin} is a loopback address`);
    }
  }

  /**
   * The address to connect to for `url` where the connection is not undici's (a gRPC call): an IP
   * literal as is; a host name resolved now, refused when any address it resolves to is (as every
   * HTTP connection's lookup is), else its first address, which the call then connects to.
   */
  async resolve(url: URL): Promise<string> {
    this.check(url);
    const bare = url.hostname.replace(/^\[|\]$/g, "");
    if (isIpLiteral(url.hostname)) return bare;
    const dns = loadNodeDns();
    if (dns === undefined) throw unavailable();
    const found = await dns.promises.lookup(bare, { all: true, verbatim: true });
    const bad = found.find((a) => !this.#allowed(a.address));
    if (bad !== undefined || found.length === 0) {
      throw refused(
        `${bare} resolves to ${bad === undefined ? "no address" : `${bad.address}, a ${classifyAddress(bad.address)} address`}`,
      );
    }
    return found[0]!.address;
  }

  /** Whether `err` is a connection this guard refused (then {@link refusal} is the error to throw). */
  static isRefusal(err: unknown): boolean {
    return (err as { code?: unknown } | undefined)?.code === "EA2AADDRESSREFUSED";
  }

  /** The `MoleculeError` of a refused connection. */
  static refusal(err: unknown): MoleculeError {
    return refused((err as Error).message);
  }

  /** The undici agent whose every connection resolves through the address rule (Node). */
  dispatcher(): Dispatcher {
    this.#dispatcher ??= guardedAgent(this.#allowed, "EA2AADDRESSREFUSED");
    if (this.#dispatcher === undefined) throw unavailable();
    return this.#dispatcher;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    const d = this.#dispatcher;
    this.#dispatcher = undefined;
    await d?.close().catch(() => undefined);
  }
}
