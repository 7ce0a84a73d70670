// The README's "Shared A2A tasks" program, run as written (on a free port) against the test
// PostgreSQL: a task it runs is answered by tasks/get, and SIGTERM closes it cleanly.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readmeBlock, rpc, waitFor } from "@internal/test-utils";
import { freshDatabase } from "./db.js";
import { startTask, stateOn } from "./tasks-replicas.js";

describe("README: shared A2A tasks", () => {
  it("serves tasks from the store", async () => {
    const code = await readmeBlock(new URL("../README.md", import.meta.url), "## Shared A2A tasks");
    expect(code).toContain("port: 8080");
    const program = `${code.replace("port: 8080", "port: 0")}\nconsole.log(server.url);\n`;
    const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", program], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, DATABASE_URL: await freshDatabase() },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.once("data", (b: Buffer) => resolve(b.toString().trim()));
        child.once("exit", () => reject(new Error("the README program exited")));
      });
      const id = await startTask(url, "Q3");
      await waitFor(async () => (await stateOn(url, id)) === "completed");
      const task = (await rpc(url, "tasks/get", { id })).result!;
      expect(task.artifacts?.[0]?.parts[0]?.text).toBe("report for Q3");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
