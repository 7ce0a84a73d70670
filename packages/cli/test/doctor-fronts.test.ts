// `molecule-agent doctor` when a proxy or load balancer answers in front of a platform that is
// down (nginx's 502 and 503, Cloudflare's 522): the platform check names it, its status and its
// page's title on one line, never the page's markup, and says to check the platform behind it.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { errorFront, FRONT_PAGES, SIGN_IN_PAGES } from "@internal/test-utils";
import { doctor } from "./doctor-helpers.js";

const TITLES: Record<keyof typeof FRONT_PAGES, string> = {
  "nginx 502": "502 Bad Gateway",
  "nginx 503": "503 Service Temporarily Unavailable",
  "cloudflare 522": "acme.moleculesai.app | 522: Connection timed out",
};

describe("molecule-agent doctor behind a front whose platform is down", () => {
  it.each(Object.keys(FRONT_PAGES) as Array<keyof typeof FRONT_PAGES>)(
    "%s: the platform check names the front and its page title, no markup",
    async (name) => {
      const page = FRONT_PAGES[name];
      const front = await errorFront({ page });
      try {
        const r = await doctor({
          platformUrl: front.url,
          workspaceId: randomUUID(),
          token: "t",
          timeout: "5",
        });
        expect(r.code).toBe(1);
        const check = r.checks["platform"]!;
        expect(check).toMatchObject({ status: "fail" });
        expect(check.detail).toBe(
          `${front.url}/health answered HTTP ${page.status} and /healthz HTTP ${page.status} from a proxy or load balancer in front of the platform (page title "${TITLES[name]}")`,
        );
        expect(check.fix).toContain("the platform behind the proxy or load balancer is down");
        expect(r.text).not.toMatch(/<\/?[a-z!]/i);
      } finally {
        await front.close();
      }
    },
  );
});

// Issue 111: an identity-aware proxy whose session expired answers a redirect to its sign-in page,
// or the page as an HTML 401: doctor names the front and what it answered, and never tells the
// user that the token was rejected.
describe("molecule-agent doctor behind an identity-aware proxy's sign-in", () => {
  it.each([
    ["sign-in 302", "(redirect to https://sso.corp.example)"],
    ["sign-in 401", '(page title "Sign In", WWW-Authenticate Bearer)'],
  ] as const)("%s: the front is named, the token is not blamed", async (name, shown) => {
    const page = SIGN_IN_PAGES[name];
    const front = await errorFront({ page });
    try {
      const r = await doctor({
        platformUrl: front.url,
        workspaceId: randomUUID(),
        token: "t",
        timeout: "5",
      });
      expect(r.code).toBe(1);
      expect(r.checks["platform"]).toMatchObject({
        status: "fail",
        detail: `${front.url}/health answered HTTP ${page.status} and /healthz HTTP ${page.status} from a proxy or load balancer in front of the platform ${shown}`,
      });
      expect(r.checks["platform"]!.fix).toContain(
        "let the agent's requests to the platform's API through it",
      );
      expect(r.text).not.toMatch(/rejected the token|revoked/);
    } finally {
      await front.close();
    }
  });
});
