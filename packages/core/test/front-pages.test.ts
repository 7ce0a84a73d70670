// Issue 92, "what answers in front of the platform is named as such": nginx's 502 and 503 pages and
// Cloudflare's 522 page, served by a front on 127.0.0.1 (in front of nothing, or of the emulator),
// never reach an error message, a start's line or a running agent's warnings as markup: the status,
// the page's title and "a proxy or load balancer in front of the platform", on one line.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { errorFront, FRONT_PAGES, waitFor } from "@internal/test-utils";
import { isMoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";
import { describeStartError } from "../src/platform/index.js";
import { errorText, httpError } from "../src/platform/http-errors.js";
import { frontEvidence, pathFailureOf, quoteBody } from "../src/transport/index.js";
import { answerPath } from "../src/transport/path-failure.js";
import { pathAnswerError } from "../src/transport/path-answer.js";
import { frontAgent } from "./fixtures/front-agent.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

const WS = "11111111-1111-4111-8111-111111111111";
const TITLES = {
  "nginx 502": "502 Bad Gateway",
  "nginx 503": "503 Service Temporarily Unavailable",
  "cloudflare 522": "acme.moleculesai.app | 522: Connection timed out",
} as const;
const pages = Object.entries(FRONT_PAGES).map(
  ([name, page]) => [name, page, TITLES[name as keyof typeof TITLES]] as const,
);

/** No markup, no line break: what a message quoting a page must never hold. */
function expectOneCleanLine(text: string): void {
  expect(text).not.toMatch(/[\r\n]/);
  expect(text).not.toMatch(/<\/?[a-z!]/i);
}

describe.each(pages)("a front answering %s", (_, page, title) => {
  it("is named in the call's error: its status, its page title, one line", async () => {
    const front = await errorFront({ page });
    cleanups.push(() => front.close());
    const client = new PlatformClient({ platformUrl: front.url, workspaceId: WS, token: "t" });
    cleanups.push(() => client.close());
    const err = await client.heartbeat().catch((e: unknown) => e); // a POST: sent once
    expect(isMoleculeError(err)).toBe(true);
    const e = err as Error & { status?: number; code?: string; retryable?: boolean };
    expectOneCleanLine(e.message);
    expect(e.message).toContain(
      `got ${page.status} from a proxy or load balancer in front of the platform (page title "${title}")`,
    );
    expect(e.message).toContain("the platform behind it is down or unreachable");
    expect(e).toMatchObject({ status: page.status, retryable: true });
    expect(e.code).toBe(page.status === 503 ? "unavailable" : "server_error");
  });

  it("names it in a peer call's error, not the peer", async () => {
    const front = await errorFront({ page });
    cleanups.push(() => front.close());
    const client = new PlatformClient({ platformUrl: front.url, workspaceId: WS, token: "t" });
    cleanups.push(() => client.close());
    const peer = "22222222-2222-4222-8222-222222222222";
    const err = await client.callPeer(peer, "hi").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: page.status, retryable: true });
    expect(pathFailureOf(err)?.cause).toBe("front");
    const message = (err as Error).message;
    expectOneCleanLine(message);
    expect(message).toBe(
      `POST /workspaces/${peer}/a2a got ${page.status} from a proxy or load balancer in front of the platform (page title "${title}"), not from the platform: the platform behind it is down or unreachable; check it and retry`,
    );
  });

  it("ends a start in one line saying what answered and what to do", async () => {
    const front = await errorFront({ page });
    cleanups.push(() => front.close());
    const client = new PlatformClient({ platformUrl: front.url, workspaceId: WS, token: "t" });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({ client, handler: () => "", startAttempts: 1 });
    const err = await agent.start().catch((e: unknown) => e);
    const line = describeStartError(err, { platformUrl: front.url, workspaceId: WS });
    expect(line).toBe(
      `the platform at ${front.url} answered ${page.status} from a proxy or load balancer in front of it (page title "${title}"): the platform behind it is down or unreachable; check it and retry`,
    );
    expectOneCleanLine((err as Error).message);
  });
});

describe("a running agent behind a front whose platform goes away", () => {
  it("warns without markup, and answers again once the platform is back", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "peer" });
    const front = await errorFront({ upstream: emu.url, page: FRONT_PAGES["cloudflare 522"] });
    cleanups.push(() => front.close());
    const { agent, warned, handled } = frontAgent(front.url, a, cleanups, {
      heartbeatIntervalMs: 100,
    });
    await agent.start();
    front.failing(true);
    await waitFor(() => front.paged.length >= 3 && warned.length > 0, { timeoutMs: 30_000 });
    for (const w of warned) expectOneCleanLine(w.replace(/\\n/g, "\n"));
    expect(warned.join("\n")).toContain("a proxy or load balancer in front of the platform");
    front.failing(false);
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    cleanups.push(() => peer.close());
    await peer.callPeer(a.id, "back?");
    await waitFor(() => handled.includes("back?"), { timeoutMs: 30_000 });
  }, 60_000);
});

/** A response as the transport returns it. */
const res = (status: number, body: unknown, type?: string) => ({
  status,
  headers: type ? { "content-type": type } : {},
  body,
});

/** The error the transport throws for `r`, judged the path's (`known`: its secrets). */
function judged(r: ReturnType<typeof res>, known: string[]): Error {
  const failure = answerPath(r);
  expect(failure?.cause).toBe("front");
  return pathAnswerError("GET /x", "http://p.example", r, failure!, undefined, known);
}

describe("what an error quotes of a body that is not JSON", () => {
  it("names text on a 5xx (Envoy's) as a front's, collapsed and cut", () => {
    const envoy =
      "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure,\ntransport failure reason: delayed connect error: Connection refused";
    const e = judged(res(503, envoy, "text/plain"), []);
    expectOneCleanLine(e.message);
    expect(e.message).toContain(
      'from a proxy or load balancer in front of the platform (text "upstream connect error',
    );
    expect(frontEvidence(503, envoy)!.length).toBeLessThan(100);
  });

  it("keeps the platform's own text and JSON as the platform's", () => {
    expect(frontEvidence(404, "404 page not found", "text/plain")).toBeUndefined();
    expect(frontEvidence(502, { error: "peer unreachable" }, "application/json")).toBeUndefined();
    expect(frontEvidence(500, undefined)).toBeUndefined();
    const e = httpError(res(500, { error: "boom\nat line 2\r\n\tthen 3" }), "register", []);
    expect(e.message).toBe(
      'register failed on the platform (500): "boom at line 2 then 3"; retry later',
    );
  });

  it("names an HTML page at a 4xx too, by its title, and masks secrets in it", () => {
    const page = "<html><head><title>403 Forbidden tok-secret</title></head><body>x</body></html>";
    const e = judged(res(403, page, "text/html"), ["tok-secret"]);
    expectOneCleanLine(e.message);
    expect(e.message).toContain(
      "from a proxy or load balancer in front of the platform, not from the platform",
    );
    expect(e.message).toContain('got 403 (page title "403 Forbidden');
    expect(e.message).not.toContain("tok-secret");
  });

  it("ends a start on the platform's own 5xx in one line too", () => {
    const err = httpError(res(500, { error: "database\nunavailable" }), "register", []);
    expect(describeStartError(err, { platformUrl: "http://p.example" })).toBe(
      'the platform at http://p.example failed with 500 ("database unavailable"): it may be restarting or overloaded; check its health and logs, then retry',
    );
  });

  it("quotes a page without a title by its text, never its markup", () => {
    const q = quoteBody(
      "<html><body><h1>Gateway\n  Timeout</h1><script>var x = 1;</script></body></html>",
    );
    expect(q).toEqual({ text: "Gateway Timeout", page: true, title: false });
    expect(errorText("<p>a &amp; b</p>", [])).toBe("a & b");
  });
});
