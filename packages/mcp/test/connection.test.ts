// How workspace_info names a failed platform connection (connection.ts): by core's judge of who
// answered, with the failure's typed code; for a host name that did not resolve by Node's code,
// for a front by what it answered; anything else is "unreachable: <code>".
import { describe, expect, it } from "vitest";
import { MoleculeError } from "@molecule-ai/agent-core";
import { connectionOf } from "../src/connection.js";

const sys = (code: string): Error => Object.assign(new Error(code), { code });
const typed = (code: string, cause?: unknown): MoleculeError =>
  new MoleculeError(code, { code, ...(cause === undefined ? {} : { cause }) });
/** An answer's error, as a client builds it (its status and body). */
const answer = (code: string, status: number, body: unknown = ""): MoleculeError =>
  new MoleculeError(code, { code, status, body });

describe("connectionOf", () => {
  it.each([
    [typed("tls_expired", sys("CERT_HAS_EXPIRED")), "certificate: tls_expired"],
    [typed("tls_untrusted", sys("UNABLE_TO_VERIFY_LEAF_SIGNATURE")), "certificate: tls_untrusted"],
    [typed("connection_failed", sys("ENOTFOUND")), "name resolution: ENOTFOUND"],
    [typed("connection_failed", typed("x", sys("EAI_AGAIN"))), "name resolution: EAI_AGAIN"],
    [answer("proxy_refused", 407), "proxy: proxy_refused"],
    [answer("front_refused", 302), "front: 302 redirect with no Location"],
    [answer("unauthorized", 401, { error: "invalid token" }), "unreachable: unauthorized"],
    [typed("connection_failed", sys("ECONNREFUSED")), "outage: connection_failed"],
    [typed("timeout"), "outage: timeout"],
    [typed("front_page_403"), "unreachable: front_page_403"],
    [new Error("plain"), "unreachable: error"],
  ])("%s -> %s", (err, expected) => {
    expect(connectionOf(err)).toBe(expected);
  });
});
