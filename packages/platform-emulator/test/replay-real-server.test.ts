// Replays the real April-2026 server's recorded answers (fixtures/real-server-2026-04.json, 117
// raw requests) against the emulator in both contracts and compares each case's `signature`:
// the status plus the error text, the key set, "array" or the plain-text body.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAY_DIFFERS } from "./replay-2026-05-differences.js";
import { startAgent, type Agent } from "./helpers.js";
import {
  makeOrg,
  runStep,
  signatureOf,
  STEPS,
  type Org,
  type RecordedCase,
} from "./replay-steps.js";

const fixture = fileURLToPath(new URL("./fixtures/real-server-2026-04.json", import.meta.url));
const recorded = JSON.parse(readFileSync(fixture, "utf8")) as {
  about: string;
  cases: RecordedCase[];
};
// The shared design folder sits beside the repository (`../shared` from the repo root) in CI.
const shared = fileURLToPath(
  new URL("../../../../shared/conformance/real-server-2026-04.json", import.meta.url),
);

it("the fixture is a faithful copy: one step per recorded case, none extra", () => {
  expect(recorded.cases).toHaveLength(117);
  expect(Object.keys(STEPS).sort()).toEqual(recorded.cases.map((c) => c.case).sort());
  for (const name of Object.keys(MAY_DIFFERS)) expect(STEPS).toHaveProperty([name]);
});

it.skipIf(!existsSync(shared))("the fixture equals ../shared/conformance (when present)", () => {
  expect(recorded).toEqual(JSON.parse(readFileSync(shared, "utf8")));
});

describe.each(["2026-04", "2026-05"] as const)("replay against compat %s", (compat) => {
  let agent: Agent;
  let org: Org;
  beforeAll(async () => {
    agent = await startAgent();
    org = await makeOrg(compat, agent);
  });
  afterAll(async () => {
    await org?.emu.close();
    await agent?.close();
  });

  it.each(recorded.cases.map((c, i) => [i, c.case, c] as const))(
    "case %i: %s",
    async (_i, name, c) => {
      const r = await runStep(org, name);
      const differs = compat === "2026-05" ? MAY_DIFFERS[name] : undefined;
      const expected = differs?.signature ?? c.signature;
      expect(r.status).toBe(Number(expected.slice(0, 3)));
      expect(signatureOf(expected, r)).toBe(expected);
    },
  );
});
