// The deploy step: register the production URL of the push route once per deployment, after it is
// live (e.g. a CI step after `vercel deploy --prod`), then heartbeat so it is online at once.
// Run: node scripts/register.ts (APP_URL, MOLECULE_* and MOLECULE_PATH_SECRET in the environment).
import { PlatformClient } from "@molecule-ai/agent-core";

const client = new PlatformClient({
  platformUrl: process.env.MOLECULE_PLATFORM_URL!,
  workspaceId: process.env.MOLECULE_WORKSPACE_ID!,
  token: process.env.MOLECULE_WORKSPACE_TOKEN!,
});
try {
  await client.register({
    url: `${process.env.APP_URL}/api/molecule/${process.env.MOLECULE_PATH_SECRET}`,
    agentCard: { name: "next-workspace", description: "A Molecule workspace in a Next.js app" },
  });
  await client.heartbeat();
} finally {
  await client.close();
}
