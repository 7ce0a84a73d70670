// The Vercel Cron routes' check (app/api/molecule-heartbeat, app/api/molecule-edge-heartbeat):
// `Authorization: Bearer $CRON_SECRET`, compared in constant time (core's `verifyBearer`). With
// CRON_SECRET unset, every request is refused (never `Bearer undefined`) and the route says once,
// in its log, what to set. Runs in both runtimes (core's edge build in the edge route).
import { verifyBearer } from "@molecule-ai/agent-core/adapters";

let warned = false;

/** The refusal for a cron request that may not run, or `undefined` when it may. */
export function refuseCron(request: Request): Response | undefined {
  const secret = process.env.CRON_SECRET;
  if (!secret) {
    if (!warned) {
      warned = true;
      console.error(
        "CRON_SECRET is not set: the cron routes refuse every request until it is (set it in the project's environment variables; Vercel Cron sends it as a bearer)",
      );
    }
    return new Response("CRON_SECRET is not set", { status: 503 });
  }
  if (!verifyBearer(request.headers.get("authorization"), secret))
    return new Response("unauthorized", { status: 401 });
  return undefined;
}
