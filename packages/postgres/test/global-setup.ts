// Vitest global setup: one PostgreSQL server per test run; each test file makes its own database.
import type { TestProject } from "vitest/node";
import { startPgServer } from "./pg-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPgServer();
  project.provide("pgAdminUrl", server.url("postgres"));
  return async () => await server.stop();
}
