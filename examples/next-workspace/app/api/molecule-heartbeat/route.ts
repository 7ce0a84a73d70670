// Vercel Cron (vercel.json) calls this once a minute with `Authorization: Bearer $CRON_SECRET`:
// one heartbeat keeps the workspace online (the platform marks it offline after 90 s without one).
import { platform } from "../../../lib/molecule.js";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  if (request.headers.get("authorization") !== `Bearer ${process.env.CRON_SECRET}`) {
    return new Response("unauthorized", { status: 401 });
  }
  await platform().heartbeat();
  return Response.json({ ok: true });
}
