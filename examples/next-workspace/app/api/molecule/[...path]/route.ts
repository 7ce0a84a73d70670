// The platform pushes each A2A message here: POST /api/molecule/<path secret>.
import { pushClaims } from "../../../../lib/claims.js";
import { molecule } from "../../../../lib/molecule.js";

export const dynamic = "force-dynamic";

export const POST = (request: Request) => molecule(pushClaims())(request);
export const GET = POST; // serves the agent card
