// How workspace_info names a failed platform connection (connection.ts): by the failure's typed
// code, and for a host name that did not resolve by Node's code; a code it does not know is
// "unreachable: <code>" (new codes fit without a change here).
import { describe, expect, it } from "vitest";
import { MoleculeError } from "@molecule-ai/agent-core";
import { connectionOf } from "../src/connection.js";

const sys = (code: string): Error => Object.assign(new Error(code), { code });
const typed = (code: string, cause?: unknown): MoleculeError =>
  new MoleculeError(code, { code, ...(cause === undefined ? {} : { cause }) });

describe("connectionOf", () => {
  it.each([
    [typed("tls_expired", sys("CERT_HAS_EXPIRED")), "certificate: tls_expired"],
    [typed("tls_untrusted", sys("UNABLE_TO_VERIFY_LEAF_SIGNATURE")), "certificate: tls_untrusted"],
    [typed("connection_failed", sys("ENOTFOUND")), "name resolution: ENOTFOUND"],
    [typed("connection_failed", typed("x", sys("EAI_AGAIN"))), "name resolution: EAI_AGAIN"],
    [typed("proxy_refused"), "proxy: proxy_refused"],
    [typed("connection_failed", sys("ECONNREFUSED")), "outage: connection_failed"],
    [typed("timeout"), "outage: timeout"],
    [typed("front_page_403"), "unreachable: front_page_403"],
    [new Error("plain"), "unreachable: error"],
  ])("%s -> %s", (err, expected) => {
    expect(connectionOf(err)).toBe(expected);
  });
});
