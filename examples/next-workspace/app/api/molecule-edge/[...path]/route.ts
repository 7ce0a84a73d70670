// The same push endpoint in Next's edge runtime: POST /api/molecule-edge/<path secret>.
import { moleculeEdge } from "../../../../lib/edge.js";

export const runtime = "edge";
export const dynamic = "force-dynamic";

export const POST = (request: Request) => moleculeEdge()(request);
export const GET = POST; // serves the agent card
