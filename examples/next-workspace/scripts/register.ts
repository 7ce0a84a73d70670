// The deploy step: register the production URL of the push route once per deployment, after it is
// live (e.g. a CI step after `vercel deploy --prod`), then heartbeat so it is online at once.
// Run: node scripts/register.ts (APP_URL, MOLECULE_* and MOLECULE_PATH_SECRET in the environment);
// `node scripts/register.ts edge` registers the edge route's workspace (MOLECULE_EDGE_*) instead.
import { PlatformClient } from "@molecule-ai/agent-core";

const edge = process.argv[2] === "edge";
const env = (name: string) => process.env[edge ? `MOLECULE_EDGE_${name}` : `MOLECULE_${name}`]!;
const client = new PlatformClient({
  platformUrl: process.env.MOLECULE_PLATFORM_URL!,
  workspaceId: env("WORKSPACE_ID"),
  token: env("WORKSPACE_TOKEN"),
  orgId: process.env.MOLECULE_ORG_ID, // a hosted (SaaS tenant) platform's org id; unset elsewhere
});
try {
  await client.register({
    url: `${process.env.APP_URL}/api/${edge ? "molecule-edge" : "molecule"}/${env("PATH_SECRET")}`,
    agentCard: edge
      ? { name: "next-workspace-edge", description: "A Molecule workspace in a Next.js edge route" }
      : { name: "next-workspace", description: "A Molecule workspace in a Next.js app" },
  });
  await client.heartbeat();
} finally {
  await client.close();
}
