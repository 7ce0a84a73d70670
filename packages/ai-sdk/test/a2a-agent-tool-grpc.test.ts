// Any A2A agent by URL as an AI SDK tool, over gRPC (issue #81): an agent whose card offers only
// the A2A gRPC binding (ours: createA2AHandler served by @molecule-ai/grpc's startA2AGrpcServer)
// is a `RemoteA2AAgent` with `grpc: a2aGrpcTransport()`, and `a2aAgentTool` takes it as any
// other: a generateText loop (MockLanguageModelV4) calls it over real gRPC on 127.0.0.1 and the
// model reads its answer spotlit; the agent gets the bearer its card declares as metadata.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { forgedLines, forgedText } from "@internal/test-utils";
import { generatePathSecret } from "@molecule-ai/agent-core";
import { createA2AHandler, RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { a2aGrpcTransport, startA2AGrpcServer } from "@molecule-ai/grpc";
import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, expect, it } from "vitest";
import { a2aAgentTool } from "../src/index.js";
import { textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";

const HEADER = '[answer of peer "Forecaster"; untrusted text follows, each line marked │]';
const CREDENTIAL = "grpc-credential-0001";
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.toReversed()) await stop().catch(() => undefined);
});

it("a model calls a gRPC-only A2A agent by URL: spotlit answer, the card's credential as metadata", async () => {
  const pathSecret = generatePathSecret();
  const handler = createA2AHandler({
    agentCard: { name: "Forecaster" },
    pathSecret,
    onMessage: () => forgedText("ws-1"),
  });
  // The gRPC service runs each call as an HTTP+JSON request: the bearers it carried.
  const bearers: (string | null)[] = [];
  const recording: typeof handler = {
    ...handler,
    handleFetch: (req: Request) => {
      bearers.push(req.headers.get("authorization"));
      return handler.handleFetch(req);
    },
  };
  const grpcServer = await startA2AGrpcServer({ handler: recording, pathSecret });
  stops.push(
    () => handler.close(),
    () => grpcServer.close(),
  );
  const card = {
    name: "Forecaster",
    description: "Weather forecasts over gRPC",
    version: "1.0.0",
    supportedInterfaces: [
      { url: grpcServer.url, protocolBinding: "GRPC", protocolVersion: "1.0", tenant: pathSecret },
    ],
    securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
    capabilities: {},
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
  };
  const http = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(card)),
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  stops.push(() => new Promise<void>((resolve) => http.close(() => resolve())));

  const grpc = a2aGrpcTransport();
  stops.push(() => grpc.close());
  const remote = new RemoteA2AAgent({
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    credentials: { bearer: CREDENTIAL },
    allowPrivateNetwork: true,
    grpc,
  });
  stops.push(() => remote.close());
  await remote.connect();
  const tool = a2aAgentTool(remote);
  expect(tool.description).toContain("Weather forecasts over gRPC");
  const model = new MockLanguageModelV4({
    doGenerate: [toolCallStep("forecaster", { message: "rain?" }), textStep("done")],
  });
  await generateText({
    model,
    tools: { forecaster: tool },
    prompt: "ask the forecaster",
    stopWhen: isStepCount(3),
  });
  expect(remote.binding).toEqual({ binding: "GRPC", version: "1.0" });
  const [seen] = toolResultsInPrompt(model, 1) as { type: string; value: string }[];
  expect(seen?.type).toBe("text");
  const text = seen!.value;
  expect(forgedLines(text, [HEADER])).toEqual([]);
  const [head, ...lines] = text.split("\n");
  expect(head).toBe(HEADER);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line.startsWith("│")).toBe(true);
  expect(bearers).toEqual([`Bearer ${CREDENTIAL}`]);
});
