// `molecule-agent doctor` when the platform's host name does not resolve: the platform check says
// so (the resolver, as a running agent's warning names it: core's path-failure.ts) and its fix
// is the name or this machine's DNS, not "start the platform". (`.invalid` never resolves, RFC 2606.)
import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { describe, expect, it } from "vitest";
import { doctor } from "./doctor-helpers.js";

const HOST = "no-such-host.invalid";
const unresolved = await lookup(HOST).then(
  () => false,
  (e: NodeJS.ErrnoException) => e.code === "ENOTFOUND" || e.code === "EAI_AGAIN",
);

describe.runIf(unresolved)(
  "molecule-agent doctor with a platform name that does not resolve",
  () => {
    it("names the resolver and says to correct the name or check the DNS", async () => {
      const r = await doctor({
        platformUrl: `http://${HOST}:8080`,
        workspaceId: randomUUID(),
        token: "t",
        timeout: "5",
      });
      expect(r.code).toBe(1);
      const check = r.checks["platform"]!;
      expect(check).toMatchObject({ status: "fail" });
      expect(check.detail).toMatch(
        new RegExp(
          `^cannot reach http://${HOST}:8080: its host name does not resolve \\((ENOTFOUND|EAI_AGAIN)\\)$`,
        ),
      );
      expect(check.fix).toMatch(/correct --platform-url .*resolver does not know it/);
      expect(check.fix).not.toMatch(/start the platform/);
    });
  },
);
