// Where the Node.js route claims each pushed message so that it is handled once across instances
// (a platform proxy retry or a resend may reach another function instance): PostgreSQL, in the
// tables `@molecule-ai/postgres` shares with RemoteAgent replicas. Built on the first push, kept by
// the instance (its pool reconnects on demand; no timer, no LISTEN). Imported by the Node.js route
// only: the edge runtime has no TCP socket for `pg`.
import { createPostgresClaims, type PostgresClaims } from "@molecule-ai/postgres/claims";

let claims: PostgresClaims | undefined;

/** The push claims on `DATABASE_URL`, or none when it is unset (see the README: what is lost). */
export function pushClaims(): PostgresClaims | undefined {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  return (claims ??= createPostgresClaims({ connectionString: url }));
}
