import { describe } from "vitest";
import { GROUPS, smokeTests } from "./smoke.ts";

describe("benchmark smoke runs (2 of 4)", () => {
  smokeTests(GROUPS[1]);
});
