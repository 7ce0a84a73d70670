// A private certificate authority for tests: a CA certificate and server certificates it signs
// (for `localhost` and 127.0.0.1, or the names and validity a test picks), and self-signed server
// certificates, built with node:crypto (EC P-256, ECDSA-SHA256) and a minimal DER writer, so no
// test needs openssl or a package to make certificates.
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8"));
const p = (n: number): string => String(n).padStart(2, "0");
function utcTime(d: Date): Buffer {
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}
const name = (cn: string): Buffer => seq(tlv(0x31, seq(oid("2.5.4.3"), utf8(cn))));
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));
const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));

/** The window a certificate is valid in. */
interface Validity {
  notBefore: Date;
  notAfter: Date;
}

function certificate(
  subject: string,
  issuer: string,
  publicKey: KeyObject,
  signer: KeyObject,
  extensions: Buffer[],
  validity: Validity,
): string {
  const serial = randomBytes(12);
  // Positive and minimal in DER: a first byte of 0 before one under 0x80 is the padding OpenSSL
  // refuses ("illegal padding"), which `&= 0x7f` alone gave one certificate in 128.
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    ECDSA_SHA256,
    name(issuer),
    seq(utcTime(validity.notBefore), utcTime(validity.notAfter)),
    name(subject),
    publicKey.export({ type: "spki", format: "der" }),
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign("sha256", tbs, signer);
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Options of a server certificate: the names it is for and when it is valid. */
export interface TestCertOptions {
  /** Host names and IPv4 addresses it is for (default `localhost` and 127.0.0.1). */
  hosts?: string[];
  /** Valid from (default an hour ago). */
  notBefore?: Date;
  /** Valid until (default a day from now). */
  notAfter?: Date;
}

/** A server certificate and its private key (PEM). */
export interface TestCert {
  certPem: string;
  keyPem: string;
}

/** A test CA and a server certificate it signed (PEM). */
export interface TestCa extends TestCert {
  /** The CA's certificate: what NODE_EXTRA_CA_CERTS points to. */
  caPem: string;
  /** Another server certificate signed by this CA. */
  issue(options?: TestCertOptions): TestCert;
}

function validity(options: TestCertOptions): Validity {
  const now = Date.now();
  return {
    notBefore: options.notBefore ?? new Date(now - 3_600_000),
    notAfter: options.notAfter ?? new Date(now + 86_400_000),
  };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A server certificate's extensions: not a CA, its names (subjectAltName), serverAuth. */
function serverExtensions(hosts: string[]): Buffer[] {
  const names = hosts.map((h) =>
    IPV4.test(h) ? tlv(0x87, Buffer.from(h.split(".").map(Number))) : tlv(0x82, Buffer.from(h)),
  );
  return [
    ext("2.5.29.19", true, seq()),
    ext("2.5.29.17", false, seq(...names)), // subjectAltName: DNS names (0x82), IPs (0x87)
    ext("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage serverAuth
  ];
}

function pkcs8(key: KeyObject): string {
  return createPrivateKey(key.export({ type: "pkcs8", format: "pem" }))
    .export({ type: "pkcs8", format: "pem" })
    .toString();
}

const DEFAULT_HOSTS = ["localhost", "127.0.0.1"];

/**
 * Makes a fresh CA and a server certificate it signs: for `localhost` / 127.0.0.1, valid for a
 * day, unless `options` say otherwise. A server sending only that certificate (as `tlsFront` does)
 * is one whose issuer a client cannot find (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`) unless it trusts
 * `caPem`.
 */
export function makeTestCa(options: TestCertOptions = {}): TestCa {
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  // Each CA its own name: a client that trusts another test CA of the same name would take it for
  // this one's issuer and report a bad signature (CERT_SIGNATURE_FAILURE), not an unknown issuer.
  const caName = `Molecule Test CA ${randomBytes(4).toString("hex")}`;
  const now = Date.now();
  const caValidity = {
    notBefore: new Date(now - 30 * 86_400_000),
    notAfter: new Date(now + 30 * 86_400_000),
  };
  const caPem = certificate(
    caName,
    caName,
    ca.publicKey,
    ca.privateKey,
    [
      ext("2.5.29.19", true, seq(tlv(0x01, Buffer.from([0xff])))), // basicConstraints CA:TRUE
      ext("2.5.29.15", true, tlv(0x03, Buffer.from([0x01, 0x06]))), // keyCertSign, cRLSign
    ],
    caValidity,
  );
  const issue = (o: TestCertOptions = {}): TestCert => {
    const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const hosts = o.hosts ?? DEFAULT_HOSTS;
    const certPem = certificate(
      hosts[0]!,
      caName,
      server.publicKey,
      ca.privateKey,
      serverExtensions(hosts),
      validity(o),
    );
    return { certPem, keyPem: pkcs8(server.privateKey) };
  };
  return { caPem, ...issue(options), issue };
}

/**
 * A self-signed server certificate (its own issuer, no CA): `DEPTH_ZERO_SELF_SIGNED_CERT` to a
 * client that does not trust it. Trusting `certPem` itself makes it valid.
 */
export function makeSelfSigned(options: TestCertOptions = {}): TestCert {
  const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  const certPem = certificate(
    hosts[0]!,
    hosts[0]!,
    server.publicKey,
    server.privateKey,
    serverExtensions(hosts),
    validity(options),
  );
  return { certPem, keyPem: pkcs8(server.privateKey) };
}
