// Vercel Cron (vercel.json) calls this once a minute with `Authorization: Bearer $CRON_SECRET`
// (checked by lib/cron.ts):
// one heartbeat keeps the workspace online (the platform marks it offline after 90 s without one),
// and settled claims past their retention (the de-duplication window, 7 days by default) are
// deleted when the route claims in PostgreSQL.
import { pushClaims } from "../../../lib/claims.js";
import { refuseCron } from "../../../lib/cron.js";
import { platform } from "../../../lib/molecule.js";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const refused = refuseCron(request); // fails closed when CRON_SECRET is unset
  if (refused) return refused;
  await platform().heartbeat();
  const claimsDeleted = (await pushClaims()?.cleanup()) ?? 0;
  return Response.json({ ok: true, claimsDeleted });
}
