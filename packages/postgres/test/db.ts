// A fresh database per test file on the run's PostgreSQL server (see global-setup.ts).
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { inject } from "vitest";

/** Creates a database and returns its connection string. */
export async function freshDatabase(): Promise<string> {
  const admin = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}
