import { describe, expect, it } from "vitest";
import { BENCHMARKS } from "../src/benchmarks.ts";
import { GROUPS, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (1 of 4)", () => {
  it("the groups name every registered benchmark once", () => {
    expect(GROUPS.flat().toSorted()).toEqual(BENCHMARKS.map((b) => b.name).toSorted());
  });
  smokeTests(GROUPS[0]);
});
