import { describe, expect, it } from "vitest";
import { BENCHMARKS } from "../src/benchmarks.ts";
import { HALVES, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (1 of 2)", () => {
  it("the two halves name every registered benchmark once", () => {
    expect(HALVES.flat().toSorted()).toEqual(BENCHMARKS.map((b) => b.name).toSorted());
  });
  smokeTests(HALVES[0]);
});
