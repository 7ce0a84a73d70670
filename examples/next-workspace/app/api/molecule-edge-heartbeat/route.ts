// The edge workspace's Vercel Cron route (vercel.json), in the edge runtime: one heartbeat a
// minute, checked against CRON_SECRET like the Node.js one (lib/cron.ts).
import { refuseCron } from "../../../lib/cron.js";
import { edgePlatform } from "../../../lib/edge.js";

export const runtime = "edge";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const refused = refuseCron(request); // fails closed when CRON_SECRET is unset
  if (refused) return refused;
  await edgePlatform().heartbeat();
  return Response.json({ ok: true });
}
