// hideUrlSecret: push URLs in log lines and error messages keep no secret.
import { describe, expect, it } from "vitest";
import { hideUrlSecret } from "../src/transport/index.js";

describe("hideUrlSecret", () => {
  it("masks the last path segment and drops credentials, query and fragment", () => {
    expect(hideUrlSecret("https://user:pa55@agent.example:8443/a2a/s3cr3t?k=v#f")).toBe(
      "https://agent.example:8443/a2a/<secret>",
    );
    expect(hideUrlSecret("http://localhost:9/a2a/s3cr3t", "***")).toBe(
      "http://localhost:9/a2a/***",
    );
    expect(hideUrlSecret("http://localhost:9/")).toBe("http://localhost:9/");
    expect(hideUrlSecret("not a url")).toBe("<url hidden>");
  });
});
