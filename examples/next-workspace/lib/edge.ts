// The edge route's workspace (`app/api/molecule-edge/...`, `export const runtime = "edge"`): built
// like lib/molecule.ts on the first request, never at module scope. This app runs a second
// workspace there only to show both runtimes; an app of your own picks one runtime and one
// workspace. Core's `edge-light` export condition gives this route its edge build (Web Crypto,
// `fetch`, no Node built-in).
import { PlatformClient } from "@molecule-ai/agent-core";
import {
  createPeerRequestHandler,
  platformSecretOf,
  type PeerRequestHandler,
} from "@molecule-ai/agent-core/adapters";
import { answer } from "./molecule.js";

let client: PlatformClient | undefined;
let endpoint: PeerRequestHandler | undefined;

/** The edge workspace's platform client, from the environment (`MOLECULE_EDGE_*`). */
export function edgePlatform(): PlatformClient {
  return (client ??= new PlatformClient({
    platformUrl: process.env.MOLECULE_PLATFORM_URL!,
    workspaceId: process.env.MOLECULE_EDGE_WORKSPACE_ID!,
    token: process.env.MOLECULE_EDGE_WORKSPACE_TOKEN!,
    orgId: process.env.MOLECULE_ORG_ID, // a hosted (SaaS tenant) platform's org id; unset elsewhere
  }));
}

/**
 * The edge push endpoint (`POST /api/molecule-edge/<path secret>`; `GET` serves the card): only
 * the platform's pushes run, as in lib/molecule.ts.
 */
export function moleculeEdge(): PeerRequestHandler {
  return (endpoint ??= createPeerRequestHandler({
    client: edgePlatform(),
    agentCard: {
      name: "next-workspace-edge",
      description: "A Molecule workspace in a Next.js edge route",
    },
    basePath: "/api/molecule-edge",
    pathSecret: process.env.MOLECULE_EDGE_PATH_SECRET!,
    platformSecret: platformSecretOf(edgePlatform()),
    handler: (message, ctx) => answer(edgePlatform(), message.text, ctx.signal),
  }));
}
