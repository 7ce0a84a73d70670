import { describe } from "vitest";
import { HALVES, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (2 of 2)", () => {
  smokeTests(HALVES[1]);
});
