// Extensions and the authenticated extended card (issue #61), over real HTTP: what an author
// declares on the card (extensions, the v1.0 skill fields, security schemes) is served as declared;
// the extensions a caller asks for (`A2A-Extensions`, v0.3 `X-A2A-Extensions`) reach the handler
// as `ctx.extensions` when the card declares them; a send without an extension the card requires
// is refused (-32008, or HTTP 400 over HTTP+JSON); a message's own `extensions` reach the handler;
// the extended card is served only to the caller `authorize` accepts, in both dialects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "@internal/test-utils";
import {
  buildAgentCard,
  startA2AServer,
  type A2AMessage,
  type A2AServer,
} from "../src/public/a2a.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

const GEO = "https://ext.example.com/geo/v1";
const CITE = "https://ext.example.com/citations/v1";
const seen: Array<{ extensions: readonly string[]; message: A2AMessage }> = [];
let server: A2AServer;
let plain: A2AServer;

const card = {
  name: "research",
  description: "cites its sources",
  capabilities: {
    streaming: false, // the endpoint says what it serves
    extensions: [
      { uri: GEO, description: "location", params: { precision: "city" } },
      { uri: CITE, description: "citations", required: true },
    ],
  },
  securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
  securityRequirements: [{ schemes: { bearer: { list: [] } } }],
  skills: [
    {
      id: "research",
      name: "Research",
      description: "finds papers",
      tags: ["papers"],
      inputModes: ["text/plain", "application/json"],
      outputModes: ["application/json"],
      securityRequirements: [{ schemes: { bearer: { list: ["read"] } } }],
    },
  ],
};

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: card,
    streaming: true,
    extendedAgentCard: {
      authorize: (headers) => headers.get("authorization") === "Bearer member-token",
      card: (headers) => ({
        ...card,
        description: `for ${headers.get("x-member") ?? "a member"}`,
        skills: [
          ...card.skills,
          { id: "archive", name: "Archive", description: "old papers", tags: [] },
        ],
      }),
    },
    onMessage: (message, ctx) => {
      seen.push({ extensions: ctx.extensions, message });
      return "ok";
    },
  });
  plain = await startA2AServer({ agentCard: { name: "plain" }, onMessage: () => "ok" });
});

afterAll(async () => {
  await server?.close();
  await plain?.close();
});

const message = (extra: Json = {}) => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text: "papers on rain" }],
  ...extra,
});

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe("the card an author declares", () => {
  it("keeps extensions, the v1.0 skill fields and security schemes; says what the endpoint serves", async () => {
    const served = (await (await fetch(server.cardUrl)).json()) as Json;
    expect(served.capabilities).toEqual({
      extensions: card.capabilities.extensions,
      streaming: true,
      pushNotifications: true,
      extendedAgentCard: true,
    });
    expect(served.supportsAuthenticatedExtendedCard).toBe(true);
    expect(served.skills).toEqual(card.skills);
    expect(served.securitySchemes).toEqual(card.securitySchemes);
    expect(served.securityRequirements).toEqual(card.securityRequirements);
    // buildAgentCard itself: an author's `signatures` or interfaces cannot be smuggled in.
    const built = buildAgentCard(
      { ...card, signatures: [{ protected: "x", signature: "y" }], supportedInterfaces: [] },
      { url: "https://a.example.com/" },
    );
    expect(built.signatures).toBeUndefined();
    expect(built.supportedInterfaces).toHaveLength(2);
  });
});

describe("extensions a caller asks for", () => {
  it("reach the handler when declared, in the caller's order; others are ignored", async () => {
    seen.length = 0;
    const v1 = await rpc(server.url, "SendMessage", {
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "x" }] },
    });
    expect(v1.error?.code).toBe(-32008); // the required citations extension was not asked for
    const headers = { "a2a-extensions": `https://unknown.example.com/x, ${CITE},${GEO}` };
    const ok = await post(
      "",
      { jsonrpc: "2.0", id: 1, method: "message/send", params: { message: message() } },
      headers,
    );
    expect(ok.json.result).toBeDefined();
    const legacy = await post(
      "",
      {
        jsonrpc: "2.0",
        id: 2,
        method: "message/send",
        params: { message: message({ extensions: [GEO] }) },
      },
      { "x-a2a-extensions": CITE },
    );
    expect(legacy.json.result).toBeDefined();
    expect(seen.map((s) => s.extensions)).toEqual([[CITE, GEO], [CITE]]);
    expect(seen[1]!.message.extensions).toEqual([GEO]);
  });

  it("a send without a required extension is refused over HTTP+JSON too", async () => {
    const body = {
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "x" }] },
    };
    const refused = await post("/message:send", body);
    expect(refused.status).toBe(400);
    expect(refused.json.error.details[0]).toMatchObject({ reason: "EXTENSION_SUPPORT_REQUIRED" });
    const ok = await post("/message:send", body, { "a2a-extensions": CITE });
    expect(ok.status).toBe(200);
  });
});

describe("the authenticated extended card", () => {
  it("answers 401 without credentials, in both dialects and bindings", async () => {
    for (const method of ["agent/getAuthenticatedExtendedCard", "GetExtendedAgentCard"]) {
      const r = await post("", { jsonrpc: "2.0", id: 1, method, params: {} });
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe(-32600);
      expect(JSON.stringify(r.json)).not.toContain("archive");
    }
    const rest = await fetch(`${server.url}/extendedAgentCard`, {
      headers: { authorization: "Bearer guess" },
    });
    expect(rest.status).toBe(401);
    expect(rest.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("serves the (tailored) extended card to an authorized caller", async () => {
    const auth = { authorization: "Bearer member-token", "x-member": "ada" };
    const v03 = await post(
      "",
      { jsonrpc: "2.0", id: 7, method: "agent/getAuthenticatedExtendedCard" },
      auth,
    );
    expect(v03.status).toBe(200);
    expect(v03.json.id).toBe(7);
    expect(v03.json.result.description).toBe("for ada");
    expect(v03.json.result.skills.map((s: Json) => s.id)).toEqual(["research", "archive"]);
    expect(v03.json.result.url).toBe(server.url);
    const rest = await fetch(`${server.url}/extendedAgentCard`, { headers: auth });
    expect(rest.headers.get("cache-control")).toBe("private, no-store");
    expect(((await rest.json()) as Json).skills).toHaveLength(2);
  });

  it("without one configured: v1.0 UnsupportedOperation, v0.3 ExtendedCardNotConfigured", async () => {
    expect((await rpc(plain.url, "GetExtendedAgentCard", {}, true)).error?.code).toBe(-32004);
    expect((await rpc(plain.url, "agent/getAuthenticatedExtendedCard", {})).error?.code).toBe(
      -32007,
    );
    const card = (await (await fetch(plain.cardUrl)).json()) as Json;
    expect(card.capabilities.extendedAgentCard).toBeUndefined();
  });
});
