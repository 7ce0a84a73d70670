// A bare A2A v0.3 agent over real HTTP, for tests of clients of any A2A agent by URL: its card
// (at `/.well-known/agent-card.json`) declares the security schemes given, and it answers every
// `message/send` with a fixed text, recording each request's URL and headers.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A running bare agent. */
export interface BareA2AAgent {
  /** Its JSON-RPC URL. */
  url: string;
  /** Every request it received: its URL (path and query) and headers. */
  seen: { url: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

/** Starts a bare agent on 127.0.0.1 named `name`, answering `answer`. */
export async function startBareA2AAgent(options: {
  name: string;
  description?: string;
  answer: string;
  securitySchemes?: Record<string, unknown>;
  /** `false`: each answer closes its connection (`Connection: close`), so each request opens one. */
  keepAlive?: boolean;
}): Promise<BareA2AAgent> {
  const seen: BareA2AAgent["seen"] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader("content-type", "application/json");
    if (options.keepAlive === false) res.setHeader("connection", "close");
    if (req.method === "GET" && req.url === "/.well-known/agent-card.json") {
      const schemes = options.securitySchemes ?? {};
      res.end(
        JSON.stringify({
          name: options.name,
          description: options.description ?? "",
          protocolVersion: "0.3.0",
          version: "1",
          url: `${origin}/rpc`,
          capabilities: {},
          defaultInputModes: ["text/plain"],
          defaultOutputModes: ["text/plain"],
          skills: [],
          securitySchemes: schemes,
          security: Object.keys(schemes).map((k) => ({ [k]: [] })),
        }),
      );
      return;
    }
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const id = (JSON.parse(raw || "{}") as { id?: unknown }).id ?? null;
      const parts = [{ kind: "text", text: options.answer }];
      const result = { kind: "message", messageId: crypto.randomUUID(), role: "agent", parts };
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/rpc`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
