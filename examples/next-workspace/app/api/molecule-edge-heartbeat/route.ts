// The edge workspace's Vercel Cron route (vercel.json), in the edge runtime: one heartbeat a
// minute, checked against CRON_SECRET like the Node.js one.
import { edgePlatform } from "../../../lib/edge.js";

export const runtime = "edge";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  if (request.headers.get("authorization") !== `Bearer ${process.env.CRON_SECRET}`) {
    return new Response("unauthorized", { status: 401 });
  }
  await edgePlatform().heartbeat();
  return Response.json({ ok: true });
}
