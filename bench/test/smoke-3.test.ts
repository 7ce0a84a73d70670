import { describe } from "vitest";
import { GROUPS, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (3 of 4)", () => {
  smokeTests(GROUPS[2]);
});
