import { describe } from "vitest";
import { GROUPS, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (2 of 3)", () => {
  smokeTests(GROUPS[1]);
});
